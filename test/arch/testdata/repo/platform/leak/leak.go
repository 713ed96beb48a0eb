// Package leak reaches into a module's adapter from the platform.
package leak

import _ "github.com/zebralabs/zebra/modules/alpha/internal/postgres"
