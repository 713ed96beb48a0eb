// Package identity is the facade of the identity bounded context: the only package
// other modules and the app may import. Everything else is internal.
package identity
