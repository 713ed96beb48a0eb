package alpha

// The wiring may import every layer.
import (
	_ "github.com/zebralabs/zebra/modules/alpha/internal/app/command"
	_ "github.com/zebralabs/zebra/modules/alpha/internal/httpapi"
	_ "github.com/zebralabs/zebra/modules/alpha/internal/postgres"
)
