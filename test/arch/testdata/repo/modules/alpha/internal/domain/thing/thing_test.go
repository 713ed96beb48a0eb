package thing_test

import (
	"testing"

	"github.com/zebralabs/zebra/modules/alpha/internal/domain/thing"
	"github.com/stretchr/testify/require"
)
