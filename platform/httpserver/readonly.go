package httpserver

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/platform/apperr"
)

// ReadOnlyMode is the maintenance-mode hook, consumed as an optional fx
// dependency and implemented by platform/maintenance. While it says on,
// the server refuses every mutation (POST, PUT, PATCH, DELETE) with
// 503 maintenance and Retry-After, and serves every read (GET, HEAD,
// OPTIONS) as usual: an operator can quiesce the writes of every replica
// at once (a database cut-over) while clients keep reading.
type ReadOnlyMode interface {
	// ReadOnly reports whether mutations are refused now, and the
	// Retry-After to answer them with. It is called once per mutation,
	// never for a read, after authentication and rate limiting; it must
	// not fail (an implementation that cannot reach its store answers
	// from what it last knew).
	ReadOnly(ctx context.Context) (on bool, retryAfter time.Duration)
}

// WritableRoute names an operation that keeps accepting mutations in
// read-only mode: the switch that turns the mode off must stay reachable.
// Method is the HTTP method and Path the route as registered with huma
// ("/v1/things/{id}").
type WritableRoute struct {
	Method, Path string
}

// ProvideWritableInReadOnly exempts routes from read-only mode. The module
// that owns such a route lists it in its fx.Module; keep the list to what
// operates the mode itself.
func ProvideWritableInReadOnly(routes ...WritableRoute) fx.Option {
	return fx.Supply(fx.Annotated{Group: writableGroup, Target: routes})
}

const writableGroup = "httpserver.writable"

// writableSet indexes the writable routes by method and route template in
// OpenAPI form, as routeOf names a request and the document an operation.
type writableSet map[string]bool

// newWritableSet flattens the groups of ProvideWritableInReadOnly.
func newWritableSet(groups ...[]WritableRoute) writableSet {
	set := writableSet{}
	for _, routes := range groups {
		for _, r := range routes {
			set[r.Method+" "+r.Path] = true
		}
	}
	return set
}

func (s writableSet) has(method, path string) bool { return s[method+" "+path] }

// mutation reports whether method changes state: everything but GET, HEAD,
// OPTIONS and TRACE (which the router does not serve).
func mutation(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// readOnlyRefusal marks, in the gin context, a request refused by
// read-only mode: an intended 503, which the access log and the span do
// not report as a server error.
const readOnlyRefusal = "httpserver.readOnlyRefusal"

// maintenanceMessage is what a refused mutation says.
const maintenanceMessage = "the service is in read-only maintenance mode: reads work, changes are refused; retry after the Retry-After delay"

// readOnly refuses mutations while mode says so. Reads, unmatched routes
// (answered 404/405 as usual) and the writable routes go through; so do
// the probes, which are reads.
func readOnly(mode ReadOnlyMode, writable writableSet) gin.HandlerFunc {
	return func(c *gin.Context) {
		if mode == nil || !mutation(c.Request.Method) || c.FullPath() == "" || writable.has(c.Request.Method, routeOf(c)) {
			c.Next()
			return
		}
		on, retryAfter := mode.ReadOnly(c.Request.Context())
		if !on {
			c.Next()
			return
		}
		seconds := max(int(retryAfter/time.Second), 1)
		c.Set(readOnlyRefusal, true)
		c.Header("Retry-After", strconv.Itoa(seconds))
		WriteError(c, &apperr.Error{
			Code:    apperr.CodeMaintenance,
			Message: maintenanceMessage,
			Details: map[string]any{"retryAfter": seconds},
		})
	}
}
