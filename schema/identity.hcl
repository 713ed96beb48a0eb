schema "identity" {
  comment = "Tables owned by the identity context."
}
