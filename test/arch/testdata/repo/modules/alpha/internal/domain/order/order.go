package order

import "github.com/zebralabs/zebra/modules/alpha/internal/domain/thing"
