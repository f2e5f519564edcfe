"""What every app may use and that knows no app: the error model, the API's error handling
and throttling, formatting of money and dates (docs/architecture.md#layers)."""
