package host

import (
	"fmt"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"

	"github.com/tenancyhq/tenancy/config"
)

// NewLogger builds the process logger: human-readable on a terminal, JSON
// otherwise (or as TENANCY_LOG_FORMAT says), at TENANCY_LOG_LEVEL.
func NewLogger(cfg config.Config) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(cfg.LogLevel)
	if err != nil {
		return nil, fmt.Errorf("TENANCY_LOG_LEVEL: %w", err)
	}
	format := cfg.LogFormat
	if format == "auto" {
		format = "json"
		if term.IsTerminal(int(os.Stderr.Fd())) {
			format = "console"
		}
	}
	var zc zap.Config
	if format == "console" {
		zc = zap.NewDevelopmentConfig()
		zc.EncoderConfig.EncodeLevel = zapcore.CapitalColorLevelEncoder
		zc.DisableStacktrace = true
	} else {
		zc = zap.NewProductionConfig()
		zc.EncoderConfig.TimeKey = "time"
		zc.EncoderConfig.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	}
	zc.Level = zap.NewAtomicLevelAt(level)
	// Errors carry their context in fields; stack traces only bury it.
	zc.DisableStacktrace = true
	zc.DisableCaller = format == "console"
	return zc.Build()
}
