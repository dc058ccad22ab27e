package dev.hearth.server;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.ScreenshotAnimations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Headless Chromium for the web page's tests: the system's Chromium (Debian's {@code chromium}, installed by
 * {@code .ci/run}), driven by Playwright, which is told never to download a browser. Every request the page
 * makes outside the server under test is recorded, so that tests can assert the page stays offline.
 */
final class BrowserSession implements AutoCloseable {
    /** Where screenshots go: kept as test artifacts. */
    static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");

    private static final List<String> CANDIDATES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable");

    private final Playwright playwright;
    private final Browser browser;
    final List<String> foreignRequests = new CopyOnWriteArrayList<>();
    final List<String> consoleErrors = new CopyOnWriteArrayList<>();

    private BrowserSession(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    /** The Chromium to use: {@code -Dhearth.chromium}, {@code $HEARTH_CHROMIUM}, or a system one. */
    static Path chromium() {
        String configured = System.getProperty("hearth.chromium", System.getenv("HEARTH_CHROMIUM"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (String c : CANDIDATES) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        throw new IllegalStateException("no Chromium found for the browser tests: install Debian's chromium "
                + "(apt-get install chromium; .ci/run does), or set -Dhearth.chromium=/path/to/chrome; "
                + "to skip these tests, pass -Dhearth.excludedGroups=browser");
    }

    static BrowserSession start() throws Exception {
        Path exe = chromium();
        Playwright pw = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        try {
            // Playwright gives every launch a fresh temporary profile (--user-data-dir) of its own.
            List<String> args = new ArrayList<>(List.of("--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-dev-shm-usage"));
            Browser browser = pw.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(exe).setHeadless(true).setArgs(args).setTimeout(60_000));
            Files.createDirectories(SCREENSHOTS);
            return new BrowserSession(pw, browser);
        } catch (RuntimeException e) {
            pw.close();
            throw e;
        }
    }

    /**
     * A fresh browser profile (like another browser: no storage shared with earlier contexts) with a page of the
     * given size, recording requests that leave {@code baseUrl} and console errors.
     */
    Page newPage(String baseUrl, int width, int height, String colorScheme) {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                .setViewportSize(width, height)
                .setDeviceScaleFactor(1)
                .setColorScheme(colorScheme.equals("dark") ? com.microsoft.playwright.options.ColorScheme.DARK
                        : com.microsoft.playwright.options.ColorScheme.LIGHT)
                .setLocale("en-GB"));
        context.setDefaultTimeout(20_000);
        context.onRequest(r -> {
            if (!r.url().startsWith(baseUrl) && !r.url().startsWith("data:")) {
                foreignRequests.add(r.url());
            }
        });
        Page page = context.newPage();
        page.onConsoleMessage(m -> {
            // A failed request is logged by the browser itself; error flows cause those on purpose.
            if (m.type().equals("error") && !m.text().startsWith("Failed to load resource")) {
                consoleErrors.add(m.text());
            }
        });
        page.onPageError(e -> consoleErrors.add("page error: " + e));
        return page;
    }

    /** Saves a full-window screenshot as {@code target/ui-screenshots/<name>.png}. */
    static Path screenshot(Page page, String name) {
        Path p = SCREENSHOTS.resolve(name + ".png");
        // Transitions are finished and animations stopped, so a screenshot shows the settled state.
        page.screenshot(new Page.ScreenshotOptions().setPath(p).setAnimations(ScreenshotAnimations.DISABLED));
        return p;
    }

    @Override
    public void close() {
        try {
            browser.close();
        } finally {
            playwright.close();
        }
    }
}
