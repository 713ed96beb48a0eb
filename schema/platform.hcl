schema "platform" {
  comment = "Tables owned by the platform context."
}
