package config_test

import (
	"testing"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/config"
)

// TestLimitsMatchTheClient: the rate_limit bounds and default the config
// checks and names in its messages are the client's (both take them from
// package backlogsync; config does not import backlog).
func TestLimitsMatchTheClient(t *testing.T) {
	if config.DefaultConcurrency != backlog.DefaultConcurrency {
		t.Errorf("config.DefaultConcurrency %d, backlog.DefaultConcurrency %d: messages would name the wrong default", config.DefaultConcurrency, backlog.DefaultConcurrency)
	}
	if config.MaxConcurrency != backlog.MaxConcurrency {
		t.Errorf("config.MaxConcurrency %d, backlog.MaxConcurrency %d: the file and the client would disagree", config.MaxConcurrency, backlog.MaxConcurrency)
	}
}
