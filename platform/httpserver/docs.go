package httpserver

import (
	"compress/gzip"
	"embed"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/zebralabs/zebra/platform/apperr"
)

// docsUI holds the reference page and Swagger UI, gzip-compressed, so the
// page works offline and the binary stays small (see docsui/README.md).
//
//go:embed docsui/index.html docsui/init.js docsui/swagger-ui-bundle.js.gz docsui/swagger-ui.css.gz
var docsUI embed.FS

// docsCSP lets the page load only what this server serves: no CDN, no
// fonts, no validator. Swagger UI uses inline styles and data: images.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var docsAssets = map[string]struct {
	file        string
	contentType string
}{
	"swagger-ui-bundle.js": {"docsui/swagger-ui-bundle.js.gz", "text/javascript; charset=utf-8"},
	"swagger-ui.css":       {"docsui/swagger-ui.css.gz", "text/css; charset=utf-8"},
	"init.js":              {"docsui/init.js", "text/javascript; charset=utf-8"},
}

// mountDocs serves GET /docs and its assets under /docs/assets/.
func mountDocs(engine *gin.Engine) {
	engine.GET("/docs", func(c *gin.Context) {
		page, err := docsUI.ReadFile("docsui/index.html")
		if err != nil {
			WriteError(c, err)
			return
		}
		c.Header("Content-Security-Policy", docsCSP)
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "text/html; charset=utf-8", page)
	})
	engine.GET("/docs/assets/:name", func(c *gin.Context) {
		asset, ok := docsAssets[c.Param("name")]
		if !ok {
			WriteError(c, apperr.NotFound("no such asset"))
			return
		}
		serveAsset(c, asset.file, asset.contentType)
	})
}

// serveAsset sends an embedded file, compressed as stored when the client
// accepts gzip and decompressed on the fly otherwise.
func serveAsset(c *gin.Context, file, contentType string) {
	f, err := docsUI.Open(file)
	if err != nil {
		WriteError(c, err)
		return
	}
	defer f.Close()
	c.Header("Content-Type", contentType)
	c.Header("Cache-Control", "public, max-age=3600")
	c.Header("Content-Security-Policy", docsCSP)
	var body io.Reader = f
	if strings.HasSuffix(file, ".gz") {
		c.Writer.Header().Add("Vary", "Accept-Encoding")
		if acceptsGzip(c.GetHeader("Accept-Encoding")) {
			c.Header("Content-Encoding", "gzip")
		} else {
			zr, err := gzip.NewReader(f)
			if err != nil {
				WriteError(c, err)
				return
			}
			defer zr.Close()
			body = zr
		}
	}
	c.Status(http.StatusOK)
	_, _ = io.Copy(c.Writer, body)
}

func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(name) != "*" {
			continue
		}
		if strings.ReplaceAll(strings.TrimSpace(params), " ", "") == "q=0" {
			return false
		}
		return true
	}
	return false
}
