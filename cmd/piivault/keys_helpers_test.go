package main

import (
	be "encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the test's own reads of the SQLite file
)

// sqliteEnv is the environment of a SQLite vault in dir with the given
// secrets, plus extra settings.
func sqliteEnv(dir, masterKey, rootToken string, extra ...string) []string {
	return environment(append([]string{
		"PIIVAULT_SERVER_DATA_DIR=" + dir,
		"PIIVAULT_KEYS_MASTER_KEY=" + masterKey,
		"PIIVAULT_AUTH_ROOT_TOKEN=" + rootToken,
	}, extra...)...)
}

// keysBody is GET /v1/sys/keys.
type keysBody struct {
	Status string `json:"status"`
	Active int64  `json:"active"`
	Keys   []struct {
		ID       string `json:"id"`
		Version  int64  `json:"version"`
		Status   string `json:"status"`
		Created  int64  `json:"created"`
		DataKeys int64  `json:"datakeys"`
	} `json:"keys"`
	Rotation *struct {
		Job      string `json:"job"`
		Status   string `json:"status"`
		Started  int64  `json:"started"`
		Finished int64  `json:"finished"`
		Done     int64  `json:"done"`
		Total    int64  `json:"total"`
	} `json:"rotation"`
}

// keyStatus reads GET /v1/sys/keys; it may run in goroutines.
func keyStatus(c *child, root string) (keysBody, string, error) {
	r, err := c.send(http.MethodGet, "/v1/sys/keys", root, "")
	if err != nil {
		return keysBody{}, "", err
	}
	if r.status != http.StatusOK {
		return keysBody{}, r.body, fmt.Errorf("GET /v1/sys/keys = %d %s", r.status, r.body)
	}
	var k keysBody
	err = json.Unmarshal([]byte(r.body), &k)
	return k, r.body, err
}

// versionStatus returns the status and data-key count of a version.
func (k keysBody) versionStatus(v int64) (string, int64) {
	for _, kk := range k.Keys {
		if kk.Version == v {
			return kk.Status, kk.DataKeys
		}
	}
	return "", -1
}

// waitRotation polls /v1/sys/keys until the latest rotation is no longer
// running. bound only keeps a broken job from hanging the run.
func waitRotation(t *testing.T, c *child, root string, bound time.Duration) keysBody {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		k, body, err := keyStatus(c, root)
		if err != nil {
			t.Fatal(err)
		}
		if k.Rotation != nil && k.Rotation.Status != "running" {
			return k
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rotation is still running after %s: %s\n%s", bound, body, c.output)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// bulkUsers creates n users through c with workers concurrent clients and
// returns their tokens in creation order of their index.
func bulkUsers(t *testing.T, c *child, root string, n, workers int) []string {
	t.Helper()
	tokens := make([]string, n)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				r, err := c.send(http.MethodPost, "/v1/user", root, fmt.Sprintf(`{"login":"bulk-%d","email":"bulk%d@example.com","n":%d}`, i, i, i))
				if err == nil && r.status != http.StatusOK {
					err = fmt.Errorf("POST /v1/user = %d %s", r.status, r.body)
				}
				var out struct{ Token string }
				if err == nil {
					err = json.Unmarshal([]byte(r.body), &out)
				}
				if err != nil {
					errs[w] = err
					return
				}
				tokens[i] = out.Token
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return tokens
}

// kekVersion reads the KEK version from a wrapped data key's header
// (format byte, then the version as a big-endian uint32), independently of
// envelope.
func kekVersion(wrapped []byte) int64 {
	if len(wrapped) < 5 {
		return -1
	}
	return int64(be.BigEndian.Uint32(wrapped[1:5]))
}

// dbPath is the SQLite file of a vault in dir.
func dbPath(dir string) string { return filepath.Join(dir, "piivault.db") }
