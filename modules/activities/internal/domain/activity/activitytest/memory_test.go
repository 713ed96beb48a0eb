package activitytest_test

import (
	"testing"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity/activitytest"
)

func TestMemoryContract(t *testing.T) {
	t.Parallel()
	activitytest.RunContract(t, func(*testing.T) activity.Repository { return activitytest.NewMemory() })
}
