/** Read by wwwroot-src/app.css through @config. Dark mode is the class strategy: the `dark` class on <html>
 *  is set before first paint by the theme bootstrap in _Layout.cshtml (system default, localStorage override). */
module.exports = {
  darkMode: 'class',
  content: ['./Chat.Web/Features/**/*.{cshtml,razor}', './wwwroot-src/js/**/*.js'],
  theme: {
    extend: {
      keyframes: {
        drift: {
          '0%, 100%': { transform: 'translate(0, 0) scale(1)' },
          '33%': { transform: 'translate(40px, -30px) scale(1.08)' },
          '66%': { transform: 'translate(-30px, 20px) scale(0.95)' },
        },
      },
      animation: {
        drift: 'drift 18s ease-in-out infinite',
        'drift-slow': 'drift 26s ease-in-out infinite reverse',
      },
    },
  },
};
