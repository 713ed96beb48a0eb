package httpserver

import (
	"embed"
	"net/url"

	"github.com/gin-gonic/gin"
	"github.com/vearutop/statigz"

	"github.com/zebralabs/zebra/platform/apperr"
)

// docsUI holds the reference page and Swagger UI, its large files
// gzip-compressed, so the page works offline and the binary stays small
// (see docsui/README.md).
//
//go:embed docsui/index.html docsui/init.js docsui/swagger-ui-bundle.js.gz docsui/swagger-ui.css.gz
var docsUI embed.FS

// docsCSP lets the page load only what this server serves: no CDN, no
// fonts, no validator. Swagger UI uses inline styles and data: images.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// mountDocs serves GET /docs and its assets under /docs/assets/ with
// statigz: a compressed file goes out as stored to clients that accept
// gzip and is decompressed on the fly for the others.
func mountDocs(engine *gin.Engine) {
	files := statigz.FileServer(docsUI, statigz.FSPrefix("docsui"))
	serve := func(c *gin.Context, path, cacheControl string) {
		r := *c.Request // the access log keeps the request's own path
		r.URL = &url.URL{Path: path}
		if !files.Found(&r) {
			WriteError(c, apperr.NotFound("no such asset"))
			return
		}
		c.Header("Content-Security-Policy", docsCSP)
		c.Header("Cache-Control", cacheControl)
		files.ServeHTTP(c.Writer, &r)
	}
	engine.GET("/docs", func(c *gin.Context) { serve(c, "/", "no-cache") })
	engine.GET("/docs/assets/:name", func(c *gin.Context) {
		serve(c, "/"+c.Param("name"), "public, max-age=3600")
	})
}
