// Package audit is the facade of the audit bounded context: the only package
// other modules and the app may import. Everything else is internal.
package audit
