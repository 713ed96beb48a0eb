package thing_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/zebralabs/zebra/modules/alpha/internal/domain/thing"
)
