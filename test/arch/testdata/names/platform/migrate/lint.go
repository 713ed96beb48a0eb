package migrate

// Atlas' column blocks: identity is one, and means the column kind here.
var blocks = []string{"identity", "as"}
