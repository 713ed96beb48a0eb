package httpserver

import (
	"github.com/danielgtaylor/huma/v2"
	"go.uber.org/fx"
)

// Routes is a module's contribution to the HTTP server: it registers its
// operations on the shared huma API, under its own prefix, so that the
// OpenAPI document, validation and docs come from the same declarations.
type Routes interface {
	Register(api huma.API)
}

// RoutesFunc adapts a function to Routes.
type RoutesFunc func(api huma.API)

// Register calls f.
func (f RoutesFunc) Register(api huma.API) { f(api) }

// AsRoutes annotates a constructor returning a Routes implementation so
// that fx adds it to the "routes" value group the server mounts.
func AsRoutes(constructor any) any {
	return fx.Annotate(constructor, fx.As(new(Routes)), fx.ResultTags(`group:"routes"`))
}

// ProvideTag declares a module's OpenAPI tag, with the description the
// document shows for it. A module lists it in its fx.Module next to its
// routes, whose operations name the tag; the platform names none.
func ProvideTag(tag huma.Tag) fx.Option {
	return fx.Supply(fx.Annotated{Group: "httpserver.tags", Target: tag})
}
