package postgres

import (
	"github.com/zebralabs/zebra/modules/alpha/internal/domain/thing"
	"github.com/zebralabs/zebra/modules/alpha/internal/postgres/rows"
	"gorm.io/gorm"
)
