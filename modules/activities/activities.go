// Package activities is the facade of the activities bounded context: the only package
// other modules and the app may import. Everything else is internal.
package activities
