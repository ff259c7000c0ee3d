package vault

// RequestNotifier tells an administrator that a data subject filed a
// request for approval (§8, generic.admin_email). It gets the action only:
// the notice carries no identity, token or content. It is called after the
// request has committed and must return at once; delivering the notice,
// and logging a failure without personal data, is the notifier's business.
type RequestNotifier interface {
	RequestFiled(action string)
}

// requestFiled passes a newly created request to the configured notifier.
// Call it after the filing transaction committed, with its result: asking
// again for an open request ("request-exists") sends nothing.
func (s *Service) requestFiled(res ChangeResult, action string) {
	if res.Result == ResultRequestCreated && s.opts.RequestNotifier != nil {
		s.opts.RequestNotifier.RequestFiled(action)
	}
}
