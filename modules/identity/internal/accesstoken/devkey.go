package accesstoken

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DevKeyFile is where DevKeyset keeps the development key for alg: in the
// user's cache directory ($XDG_CACHE_HOME or ~/.cache on Linux), outside
// every checkout, so no clone can commit it and all of them share it.
func DevKeyFile(alg string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "zebra", "dev-signing-key-"+strings.ToLower(alg)+".pem"), nil
}

// DevKeyset returns a keyset whose one key lives in file, for development
// without JWT_SIGNING_KEYS: the first run generates the key and writes it
// (mode 0600), every later run reads it back, so a restart keeps everyone's
// session. Processes starting together (serve and worker) agree on one
// key: the file appears complete, through a hard link that fails when
// another process linked its key first, and everyone reads what won.
func DevKeyset(alg, file string) (*Keyset, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		if err := writeNewKey(alg, file); err != nil {
			return nil, fmt.Errorf("write a development key to %s: %w", file, err)
		}
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, err
	}
	keys, err := ParseKeys(string(data))
	if err == nil {
		var set *Keyset
		if set, err = NewKeyset(alg, keys); err == nil {
			return set, nil
		}
	}
	return nil, fmt.Errorf("development key %s: %w (delete the file to generate a new one)", file, err)
}

// writeNewKey writes a fresh PKCS#8 key for alg to file unless file exists.
func writeNewKey(alg, file string) error {
	k, err := generate(alg)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return err
	}
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".dev-signing-key-*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	block := &pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{"kid": "dev-" + Thumbprint(k.Public)[:16]}, Bytes: der}
	if err := pem.Encode(tmp, block); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), file); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}
