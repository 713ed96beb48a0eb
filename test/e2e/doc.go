// Package e2e drives the real zebra binary over HTTP.
package e2e
