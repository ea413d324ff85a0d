"""The embeddable chat widget: `widget.js`, served at /widget/v1/widget.js."""
