package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"piivault/internal/apitest"
	"piivault/internal/vault"
)

func TestAppRecords(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	u := createUser(t, srv, `{"login":"appy","email":"appy@x.com"}`)
	other := createUser(t, srv, `{"login":"other"}`)
	do := func(name, method, path, ct, body string, status int, want string) scenario {
		h := []string{root}
		if ct != "" {
			h = append(h, ct)
		}
		return scenario{name: name, method: method, path: path, headers: h, body: body, status: status, want: want}
	}
	data := func(want string) string { return `{"status":"ok","token":"<uuid>","data":` + want + `}` }
	run(t, srv, []scenario{
		do("the app list of a user without records is empty", "GET", "/v1/userapp/login/appy", "", "", 200,
			`{"status":"ok","token":"<uuid>","apps":[]}`),
		do("no app names anywhere yet", "GET", "/v1/userapps", "", "", 200, `{"status":"ok","apps":[]}`),
		do("a record never set", "GET", "/v1/userapp/login/appy/shipping", "", "", 404, errBody("not found")),
		do("POST creates a record", "POST", "/v1/userapp/login/appy/shipping", asJSON,
			`{"address":{"city":"Paris","zip":"75001"},"n":1.10,"tags":["a","b"]}`, 200, okToken),
		do("GET returns it value for value", "GET", "/v1/userapp/email/APPY@x.com/shipping", "", "", 200,
			data(`{"address":{"city":"Paris","zip":"75001"},"n":1.10,"tags":["a","b"]}`)),
		do("the app name is lower-cased", "GET", "/v1/userapp/token/"+u+"/SHIPPING", "", "", 200,
			data(`{"address":{"city":"Paris","zip":"75001"},"n":1.10,"tags":["a","b"]}`)),
		do("POST replaces the whole record", "POST", "/v1/userapp/login/appy/shipping", asJSON, `{"only":true}`, 200, okToken),
		do("the replaced record", "GET", "/v1/userapp/login/appy/shipping", "", "", 200, data(`{"only":true}`)),
		do("names such as data and status are ordinary", "POST", "/v1/userapp/login/appy/status", asForm, "a=1&b=x+y", 200, okToken),
		do("a form record holds strings", "GET", "/v1/userapp/login/appy/status", "", "", 200, data(`{"a":"1","b":"x y"}`)),
		do("PUT merges", "PUT", "/v1/userapp/login/appy/shipping", asJSON, `{"only":null,"x":{"y":1}}`, 200, okToken),
		do("PUT applies a JSON Patch", "PUT", "/v1/userapp/login/appy/shipping", asPatch,
			`[{"op":"add","path":"/x/z","value":[1,2]}]`, 200, okToken),
		do("the patched record", "GET", "/v1/userapp/login/appy/shipping", "", "", 200, data(`{"x":{"y":1,"z":[1,2]}}`)),
		do("a failing patch", "PUT", "/v1/userapp/login/appy/shipping", asPatch, `[{"op":"remove","path":"/nope"}]`,
			400, errBody("failed to apply patch")),
		do("PUT on a missing record", "PUT", "/v1/userapp/login/appy/billing", asJSON, `{"a":1}`, 404, errBody("not found")),
		do("another user's record", "POST", "/v1/userapp/token/"+other+"/billing", asJSON, `{"iban":"x"}`, 200, okToken),
		do("the user's app names, sorted", "GET", "/v1/userapp/login/appy", "", "", 200,
			`{"status":"ok","token":"<uuid>","apps":["shipping","status"]}`),
		do("every app name in use, sorted and distinct", "GET", "/v1/userapps", "", "", 200,
			`{"status":"ok","apps":["billing","shipping","status"]}`),

		do("a bad app name", "POST", "/v1/userapp/login/appy/1abc", asJSON, `{"a":1}`, 400, errBody("bad appname")),
		do("a one-letter app name", "GET", "/v1/userapp/login/appy/a", "", "", 400, errBody("bad appname")),
		do("an app name of 32 characters", "GET", "/v1/userapp/login/appy/a234567890123456789012345678901x", "", "", 400, errBody("bad appname")),
		do("an app name with a dash", "DELETE", "/v1/userapp/login/appy/my-app", "", "", 400, errBody("bad appname")),
		do("the app name is checked before the body", "POST", "/v1/userapp/login/appy/-", asJSON, `junk`, 400, errBody("bad appname")),
		do("an empty body", "POST", "/v1/userapp/login/appy/shipping", asJSON, "", 400, errBody("empty body")),
		do("an empty object", "POST", "/v1/userapp/login/appy/shipping", asJSON, "{}", 400, errBody("empty body")),
		do("an empty patch", "PUT", "/v1/userapp/login/appy/shipping", asPatch, "[]", 400, errBody("empty body")),
		do("the body is checked before existence", "POST", "/v1/userapp/login/nobody/shipping", asJSON, "", 400, errBody("empty body")),
		do("an array on POST", "POST", "/v1/userapp/login/appy/shipping", asJSON, "[1]", 400, errBody("failed to decode request body")),
		do("an unknown user", "POST", "/v1/userapp/login/nobody/shipping", asJSON, `{"a":1}`, 404, errBody("not found")),
		do("the app list of an unknown user", "GET", "/v1/userapp/login/nobody", "", "", 404, errBody("not found")),
		do("a bad mode", "GET", "/v1/userapp/nick/appy/shipping", "", "", 400, errBody("bad mode")),
		do("a bad uuid", "GET", "/v1/userapp/token/nope/shipping", "", "", 400, errBody("bad uuid")),

		do("DELETE removes the record", "DELETE", "/v1/userapp/login/appy/status", "", "", 200, okToken),
		do("the deleted record is gone", "GET", "/v1/userapp/login/appy/status", "", "", 404, errBody("not found")),
		do("deleting a missing record", "DELETE", "/v1/userapp/login/appy/status", "", "", 404, errBody("not found")),
		do("erasure removes the app records", "DELETE", "/v1/user/login/appy", "", "", 200, `{"status":"ok","result":"done"}`),
		do("the erased user's record", "GET", "/v1/userapp/token/"+u+"/shipping", "", "", 404, errBody("not found")),
		do("the erased user's names are no longer in use", "GET", "/v1/userapps", "", "", 200, `{"status":"ok","apps":["billing"]}`),
		{name: "no token", method: "GET", path: "/v1/userapps", status: 401, want: errBody("access denied")},
		{name: "a wrong token", method: "GET", path: "/v1/userapp/token/" + other + "/billing", headers: []string{"X-Bunker-Token: nope"},
			status: 403, want: errBody("access denied")},
	})
}

// TestAppRecordsSelfService drives the app routes as a login token, with
// and without selfservice.app_record_change patterns.
func TestAppRecordsSelfService(t *testing.T) {
	srv := apitest.New(t, apitest.WithVault(func(o *vault.Options) {
		o.SelfService.AppRecordChange = []string{"pref*", "*_log", "*cart*", "wishlist"}
	}))
	ctx := context.Background()
	u := createUser(t, srv, `{"login":"self"}`)
	other := createUser(t, srv, `{"login":"nother"}`)
	me := vault.Actor{Kind: vault.ActorLogin, UserToken: u}
	byLogin := vault.Identity{Mode: vault.ModeLogin, Value: "self"}
	body := map[string]any{"a": "1"}
	for _, app := range []string{"prefs", "audit_log", "my_cart_2", "wishlist"} {
		res, err := srv.Service.CreateAppRecord(ctx, me, byLogin, app, body)
		if err != nil || res.Result != "" || res.Token != u {
			t.Fatalf("%s matches a pattern and applies at once: %+v %v", app, res, err)
		}
		if _, err := srv.Service.UpdateAppRecord(ctx, me, byLogin, app, map[string]any{"b": "2"}); err != nil {
			t.Fatalf("PUT %s: %v", app, err)
		}
		if _, err := srv.Service.DeleteAppRecord(ctx, me, byLogin, app); err != nil {
			t.Fatalf("DELETE %s: %v", app, err)
		}
	}
	for _, app := range []string{"shipping", "wishlists", "xprefs", "log_x"} {
		res, err := srv.Service.CreateAppRecord(ctx, me, byLogin, app, body)
		if err != nil || res.Result != vault.ResultRequestCreated || res.RToken == "" {
			t.Fatalf("%s matches no pattern and becomes a request: %+v %v", app, res, err)
		}
		again, err := srv.Service.CreateAppRecord(ctx, me, byLogin, app, map[string]any{"other": "x"})
		if err != nil || again.Result != vault.ResultRequestExists || again.RToken != res.RToken {
			t.Fatalf("asking again for %s returns the open request: %+v %v", app, again, err)
		}
		if _, err := srv.Service.DeleteAppRecord(ctx, me, byLogin, app); vault.ErrorCode(err) != vault.EFORBIDDEN {
			t.Fatalf("DELETE of %s without a pattern is 403: %v", app, err)
		}
		if _, err := srv.Service.GetAppRecord(ctx, me, byLogin, app); vault.ErrorCode(err) != vault.ENOTFOUND {
			t.Fatalf("the request changed nothing yet for %s: %v", app, err)
		}
	}
	if _, err := srv.Service.UpdateAppRecord(ctx, me, byLogin, "shipping", body); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Fatalf("a PUT request needs an existing record: %v", err)
	}
	theirs := vault.Identity{Mode: vault.ModeToken, Value: other}
	for name, err := range map[string]error{
		"create": first(srv.Service.CreateAppRecord(ctx, me, theirs, "prefs", body)),
		"read":   first(srv.Service.GetAppRecord(ctx, me, theirs, "prefs")),
		"list":   second(srv.Service.UserApps(ctx, me, theirs)),
		"delete": first(srv.Service.DeleteAppRecord(ctx, me, theirs, "prefs")),
		"names":  first(srv.Service.AppNames(ctx, me)),
		"nobody": first(srv.Service.GetAppRecord(ctx, me, vault.Identity{Mode: vault.ModeLogin, Value: "ghost"}, "prefs")),
	} {
		if vault.ErrorCode(err) != vault.EFORBIDDEN {
			t.Errorf("a login token may not %s another user's records: %v", name, err)
		}
	}
}

func first[T any](_ T, err error) error { return err }

func second[A, B any](_ A, _ B, err error) error { return err }

// TestAppRecordConcurrentWrites: concurrent PUTs to one record are
// serialised (none lost, none failing), and concurrent POSTs creating the
// same new record never fail, on every backend.
func TestAppRecordConcurrentWrites(t *testing.T) {
	srv := apitest.New(t)
	root := srv.RootHeader()
	createUser(t, srv, `{"login":"busy"}`)
	if r := srv.Do("POST", "/v1/userapp/login/busy/cart", `{"start":0}`, root, asJSON); r.Status != 200 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	const n = 16
	errs := make(chan string, 2*n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if r := srv.Do("PUT", "/v1/userapp/login/busy/cart", fmt.Sprintf(`{"k%02d":%d}`, i, i), root, asJSON); r.Status != 200 {
				errs <- fmt.Sprintf("PUT %d: %d %s", i, r.Status, r.Body)
			}
		}()
		go func() {
			defer wg.Done()
			if r := srv.Do("POST", "/v1/userapp/login/busy/fresh", fmt.Sprintf(`{"writer":%d}`, i), root, asJSON); r.Status != 200 {
				errs <- fmt.Sprintf("POST %d: %d %s", i, r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	r := srv.Do("GET", "/v1/userapp/login/busy/cart", "", root)
	var out struct{ Data map[string]any }
	if err := json.Unmarshal(r.Body, &out); err != nil || len(out.Data) != n+1 {
		t.Fatalf("after %d concurrent PUTs the record has %d keys: %s", n, len(out.Data), r.Body)
	}
}
