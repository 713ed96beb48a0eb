package command

import (
	"context"

	"github.com/zebralabs/zebra/modules/alpha/internal/domain/thing"
	"github.com/zebralabs/zebra/modules/alpha/internal/postgres"
	"github.com/zebralabs/zebra/platform/apperr"
)
