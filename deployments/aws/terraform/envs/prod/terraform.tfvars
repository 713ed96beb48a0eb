account_id   = "333333333333"
vpc_cidr     = "10.30.0.0/16"
zone_name    = "zebralabs.io"
api_domain   = "api.zebralabs.io"
app_base_url = "https://app.zebralabs.io"
test_domain  = "aws.api.zebralabs.io"
alert_emails = ["oncall@zebralabs.io"]

# Cutover from Fly (docs/runbooks/fly-to-aws.md): start with aws_weight = 0,
# fly_weight = 100 and Fly's dedicated IPv4, then shift.
aws_weight = 100
fly_weight = 0
fly_ipv4   = ""
