package accesstoken_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/accesstoken"
)

func TestDevKeysetIsKeptAcrossRuns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		alg string
	}{
		{accesstoken.AlgEdDSA},
		{accesstoken.AlgES256},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "nested", "dev-signing-key.pem")
			first, err := accesstoken.DevKeyset(tt.alg, file)
			if err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != 0o600 {
				t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
			}
			second, err := accesstoken.DevKeyset(tt.alg, file)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(first.Signer().ID, "dev-") || second.Signer().ID != first.Signer().ID {
				t.Errorf("kids %q then %q: want one dev- kid", first.Signer().ID, second.Signer().ID)
			}
			// A token signed before the "restart" verifies after it.
			opts := accesstoken.Options{Issuer: "iss", Audience: "aud", TTL: time.Minute}
			tok, err := accesstoken.New(first, opts).Issue(uuid.Must(uuid.NewV7()), []string{"member"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := accesstoken.New(second, opts).Verify(context.Background(), tok.Token); err != nil {
				t.Errorf("token of the first run rejected after the restart: %v", err)
			}
		})
	}
}

// Processes starting at once (serve and worker) must end with one key.
func TestDevKeysetConcurrentFirstRunsAgree(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "dev-signing-key.pem")
	const n = 16
	kids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			set, err := accesstoken.DevKeyset(accesstoken.AlgEdDSA, file)
			if err != nil {
				t.Error(err)
				return
			}
			kids[i] = set.Signer().ID
		}()
	}
	wg.Wait()
	for i := range kids {
		if kids[i] != kids[0] {
			t.Fatalf("kids differ: %v", kids)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".dev-signing-key-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestDevKeysetRefusesABadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	otherAlg := filepath.Join(dir, "ed25519.pem")
	if _, err := accesstoken.DevKeyset(accesstoken.AlgEdDSA, otherAlg); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, alg, file string
	}{
		{"not PEM", accesstoken.AlgEdDSA, garbage},
		{"a key of another algorithm", accesstoken.AlgES256, otherAlg},
	}
	for _, tt := range tests {
		_, err := accesstoken.DevKeyset(tt.alg, tt.file)
		if err == nil || !strings.Contains(err.Error(), "delete the file") {
			t.Errorf("%s: err = %v, want one that says to delete the file", tt.name, err)
		}
	}
}

func TestDevKeyFileIsPerAlgorithmInTheUserCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	ed, err := accesstoken.DevKeyFile(accesstoken.AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	es, _ := accesstoken.DevKeyFile(accesstoken.AlgES256)
	if filepath.Dir(ed) != filepath.Join(cache, "zebra") || ed == es {
		t.Errorf("files %s and %s: want two files under %s/zebra", ed, es, cache)
	}
}
