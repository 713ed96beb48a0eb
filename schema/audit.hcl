schema "audit" {
  comment = "Tables owned by the audit context."
}
