// Package alpha is the facade.
package alpha
