package query

import "github.com/zebralabs/zebra/modules/alpha/internal/httpapi"
