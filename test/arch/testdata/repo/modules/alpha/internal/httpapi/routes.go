package httpapi

import (
	"github.com/zebralabs/zebra/modules/alpha/internal/app/command"
	"github.com/zebralabs/zebra/modules/alpha/internal/postgres"
)
