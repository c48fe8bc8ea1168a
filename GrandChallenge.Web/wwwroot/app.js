window.grandChallenge = {
    setTheme(theme) {
        document.cookie = `gc-theme=${theme}; path=/; max-age=31536000; samesite=lax`;
    },
};
