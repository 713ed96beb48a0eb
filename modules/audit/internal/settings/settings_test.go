package settings_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/modules/audit/internal/settings"
	"github.com/zebralabs/zebra/platform/config"
)

const (
	secretA = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // 44 characters, as openssl rand -base64 32
	secretB = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
)

func parse(t *testing.T, keys string) (settings.Config, error) {
	t.Helper()
	var c settings.Config
	err := config.ParseEnv(&c, map[string]string{"AUDIT_MAC_KEYS": keys})
	return c, err
}

func TestKeysParse(t *testing.T) {
	t.Parallel()
	c, err := parse(t, " 2026-06:"+secretA+", 2025.01_x:"+secretB+" ")
	require.NoError(t, err)
	keys := c.Keys()
	require.Len(t, keys, 2)
	assert.Equal(t, "2026-06", keys[0].ID, "the first key signs")
	assert.Equal(t, secretA, string(keys[0].Secret))
	assert.Equal(t, "2025.01_x", keys[1].ID)
	assert.NoError(t, c.RefuseInsecure())

	empty, err := parse(t, "")
	require.NoError(t, err, "no key is valid outside production")
	assert.Empty(t, empty.Keys())
}

func TestBadKeysNameTheVariableNotTheSecret(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, keys string }{
		{"no id", secretA},
		{"empty id", ":" + secretA},
		{"id with a space", "a b:" + secretA},
		{"short secret", "a:short"},
		{"repeated id", "a:" + secretA + ",a:" + secretB},
		{"trailing comma", "a:" + secretA + ","},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.keys)
		require.Error(t, err, tt.name)
		assert.Contains(t, err.Error(), "config: AUDIT_MAC_KEYS: ", tt.name)
		assert.NotContains(t, err.Error(), secretA[:10], tt.name)
	}
}

func TestProductionRefusesMissingAndDevelopmentKeys(t *testing.T) {
	t.Parallel()
	empty, err := parse(t, "")
	require.NoError(t, err)
	assert.ErrorContains(t, empty.RefuseInsecure(), "refuses to start without one")

	dev, err := parse(t, "prod:"+string(settings.DevKey.Secret))
	require.NoError(t, err)
	assert.ErrorContains(t, dev.RefuseInsecure(), "development key")
}
