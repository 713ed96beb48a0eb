// Package beta uses alpha's facade (fine) and its domain (not fine).
package beta

import (
	"github.com/zebralabs/zebra/modules/alpha"
	"github.com/zebralabs/zebra/modules/alpha/internal/domain/thing"
)
