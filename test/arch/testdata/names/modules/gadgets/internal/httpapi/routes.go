package httpapi

// The gadgets context serves its things under a route that does not
// carry its name.
var op = struct{ Method, Path string }{"GET", "/v1/widgets/{id}"}

func location(id string) string { return "/v1/widgets/" + id }
