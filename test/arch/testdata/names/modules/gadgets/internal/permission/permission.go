package permission

import "github.com/zebralabs/zebra/platform/auth"

// A permission that does not carry the context's name either.
const (
	Count auth.Permission = "stock:count"
)
