package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/delivery"
	"piivault/internal/delivery/mailtest"
	"piivault/internal/vault"
)

// TestNewRequestsMailTheAdministrator runs the generic.admin_email notice
// through a real SMTP listener: one short mail per new request, naming its
// kind and nothing personal; asking again for an open request sends none.
func TestNewRequestsMailTheAdministrator(t *testing.T) {
	mail := mailtest.Start(t, mailtest.Options{})
	notice := delivery.NewAdminNotice(&delivery.SMTP{Host: mail.Host, Port: mail.Port, From: "vault@example.org"}, "dpo@example.org", nil)
	t.Cleanup(func() { notice.Close(context.Background()) })
	srv := apitest.New(t, apitest.WithVault(func(o *vault.Options) { o.RequestNotifier = notice }))
	ctx := context.Background()
	const email = "mail.owner.4f1c@example.com"
	u := createUser(t, srv, `{"email":"`+email+`"}`)
	me := vault.Actor{Kind: vault.ActorLogin, UserToken: u}
	id := vault.Identity{Mode: vault.ModeToken, Value: u}

	res, err := srv.Service.UpdateUser(ctx, me, id, map[string]any{"nick": "secret-nick-4f1c"})
	filed(t, res, err, vault.ResultRequestCreated)
	m := mail.Next(t, 10*time.Second)
	if len(m.To) != 1 || m.To[0] != "dpo@example.org" || !strings.Contains(m.Data, "filed a change-profile request") {
		t.Fatalf("notice: to %v\n%s", m.To, m.Data)
	}
	for _, secret := range []string{u, email, "secret-nick-4f1c", res.RToken} {
		if strings.Contains(m.Data, secret) {
			t.Errorf("the notice holds personal data or a token: %q", secret)
		}
	}
	res, err = srv.Service.UpdateUser(ctx, me, id, map[string]any{"nick": "again"})
	filed(t, res, err, vault.ResultRequestExists)
	res, err = srv.Service.EraseUser(ctx, me, id)
	filed(t, res, err, vault.ResultRequestCreated)
	if m := mail.Next(t, 10*time.Second); !strings.Contains(m.Data, "filed a forget-me request") {
		t.Fatalf("the next notice is the forget-me one, not a repeat:\n%s", m.Data)
	}
	res, err = srv.Service.CreateAppRecord(ctx, me, id, "shop", map[string]any{"a": "1"})
	filed(t, res, err, vault.ResultRequestCreated)
	if m := mail.Next(t, 10*time.Second); !strings.Contains(m.Data, "filed a change-app-data request") {
		t.Fatalf("app request notice:\n%s", m.Data)
	}
}
