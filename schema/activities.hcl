schema "activities" {
  comment = "Tables owned by the activities context."
}
