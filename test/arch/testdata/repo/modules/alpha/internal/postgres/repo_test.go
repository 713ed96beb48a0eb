package postgres_test

import "github.com/zebralabs/zebra/modules/alpha/internal/postgres"
