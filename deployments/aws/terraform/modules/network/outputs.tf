output "vpc_id" {
  description = "VPC id."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "VPC IPv4 range."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets: the ALB and NAT gateways only."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets with NAT egress: ECS tasks."
  value       = aws_subnet.private[*].id
}

output "data_subnet_ids" {
  description = "Isolated subnets without internet route: RDS, ElastiCache."
  value       = aws_subnet.data[*].id
}

output "nat_public_ips" {
  description = "Egress IPs of the tasks (for allow-lists of outbound partners)."
  value       = aws_eip.nat[*].public_ip
}
