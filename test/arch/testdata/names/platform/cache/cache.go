// Package cache keeps the notes warm.
package cache

// Not mentions: notebook, keynote, pg_stat_gadgets, gadget-like, /v1/widgetsmith.
var fine = "notebook keynote pg_stat_gadgets /v1/widgetsmith"

var gadgetCache = "gadgets.items"

const route, perm = "/v1/widgets/{id}", "stock:count"

// ManageOwnNotes is an identity check.
func ManageOwnNotes() {}
