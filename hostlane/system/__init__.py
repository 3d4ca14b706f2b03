"""The platform about itself: health, licence and statistics."""
