package cache

// Tests may name contexts: gadgets, notes.
var testTable = "gadgets.items"
