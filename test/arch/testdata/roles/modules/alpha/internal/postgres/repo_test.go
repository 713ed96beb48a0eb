package postgres

// Tests may change role to prove what a role cannot do.
const asAnother = "SET ROLE zebra_beta"
