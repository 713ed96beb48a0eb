# The public API name as weighted A records: one alias to the ALB, one to
# the Fly app's dedicated IPv4 while it still serves. Changing the weights
# moves traffic gradually between platforms (and back, for a rollback).

resource "aws_route53_record" "aws" {
  zone_id        = var.zone_id
  name           = var.record_name
  type           = "A"
  set_identifier = "aws"

  weighted_routing_policy {
    weight = var.aws_weight
  }

  alias {
    name                   = var.alb_dns_name
    zone_id                = var.alb_zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "fly" {
  count = var.fly_ipv4 == "" ? 0 : 1

  zone_id        = var.zone_id
  name           = var.record_name
  type           = "A"
  set_identifier = "fly"
  ttl            = var.ttl
  records        = [var.fly_ipv4]

  weighted_routing_policy {
    weight = var.fly_weight
  }
}

resource "aws_route53_record" "test" {
  count = var.test_record_name == "" ? 0 : 1

  zone_id = var.zone_id
  name    = var.test_record_name
  type    = "A"

  alias {
    name                   = var.alb_dns_name
    zone_id                = var.alb_zone_id
    evaluate_target_health = false
  }
}
