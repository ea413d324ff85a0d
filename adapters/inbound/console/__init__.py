"""The agent console: a static web app served by the API, and its cookie session."""
