package httpserver

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/zebralabs/zebra/platform/apperr"
)

// parserHeaderLimit is the hard limit handed to net/http (MaxHeaderBytes),
// above HTTP_MAX_HEADER_BYTES: between the two, headerLimit answers the
// envelope; past it net/http answers its own plain-text 431, the last
// line of defence, before any of our code runs.
func parserHeaderLimit(limit int) int { return max(4*limit, 1<<20) }

// headerLimit answers 431 in the envelope (code bad_request) when the
// request line and headers together are over limit bytes (counted as on
// the wire), so an oversized header gets the same JSON error as every
// other bad input instead of net/http's plain-text one.
func headerLimit(limit int) gin.HandlerFunc {
	return func(c *gin.Context) {
		if limit <= 0 || headerSize(c.Request) <= limit {
			c.Next()
			return
		}
		c.Header("Connection", "close")
		WriteError(c, (&Error{
			Code:    apperr.CodeBadRequest,
			status:  http.StatusRequestHeaderFieldsTooLarge,
			Message: "the request headers are larger than the limit",
		}).normalized())
	}
}

func headerSize(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	return n
}
