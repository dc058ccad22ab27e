package dev.hearth.server;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import dev.hearth.server.api.Json;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.store.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The web page in a real headless Chromium against a real server: pages, saved chats, models, the API key,
 * themes and the phone layout. (Generating and pulling are in {@link WebUiChatBrowserTest}.) Screenshots of each
 * step are kept under {@code target/ui-screenshots/}.
 */
@Tag("slow")
@Tag("browser")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiBrowserTest {
    private Path dir;
    private BrowserSession browser;
    private HearthServer server;
    private String base;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        this.dir = dir;
        ModelStore store = new ModelStore(dir.resolve("models"));
        TestStores.install(store, "tiny", TestStores.model("qwen2-Q8_0.gguf"), null, null, null);
        server = UiTestServer.start(ServerConfig.ephemeralLoopback().withConversations(dir.resolve("conversations")),
                new ModelCatalog(store));
        base = server.baseUrl();
        browser = BrowserSession.start();
    }

    @AfterAll
    void stop() {
        try {
            if (browser != null) {
                assertThat(browser.foreignRequests).as("requests that left Hearth").isEmpty();
                assertThat(browser.consoleErrors).as("console errors").isEmpty();
                browser.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private Page open(String path) {
        Page page = browser.newPage(base, 1280, 800, "light");
        page.navigate(base + path);
        return page;
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        RawHttp.Response r = RawHttp.request(server.port(), method, path, body);
        assertThat(r.status()).as(method + " " + path + ": " + r.body()).isLessThan(300);
        return r.body().isEmpty() ? null : Json.mapper().readTree(r.body());
    }

    private String chat(String title, String user, String assistant) throws Exception {
        return api("POST", "/api/hearth/conversations", "{\"title\": " + Json.mapper().writeValueAsString(title)
                + ", \"model\": \"tiny:latest\", \"messages\": [{\"role\": \"user\", \"content\": "
                + Json.mapper().writeValueAsString(user) + "}, {\"role\": \"assistant\", \"content\": "
                + Json.mapper().writeValueAsString(assistant) + ", \"model\": \"tiny:latest\", "
                + "\"stats\": {\"eval_count\": 120, \"eval_duration\": 2000000000}}]}").get("id").asString();
    }

    @Test
    @Order(1)
    void newChatWelcomesInLightDarkAndOnAPhone() {
        Page page = open("/ui/");
        assertThat(page.locator("#model-select")).hasValue("tiny:latest");
        assertThat(page.locator("#chat-empty h2")).hasText("What can I help with?");
        assertThat(page.locator("#prompt")).isFocused();
        BrowserSession.screenshot(page, "01-welcome");
        page.locator(".suggestion").first().click();
        assertThat(page.locator("#prompt")).hasValue(Pattern.compile("vaccines"));
        page.context().close();

        Page dark = browser.newPage(base, 1280, 800, "dark");
        dark.navigate(base + "/ui/");
        assertThat(dark.locator("html")).hasAttribute("data-theme", "dark");
        BrowserSession.screenshot(dark, "02-welcome-dark");
        // the theme button cycles system -> light -> dark and remembers the choice
        dark.locator("#theme-toggle").click();
        assertThat(dark.locator("html")).hasAttribute("data-theme", "light");
        dark.reload();
        assertThat(dark.locator("html")).hasAttribute("data-theme", "light");
        dark.context().close();

        Page phone = browser.newPage(base, 390, 844, "light");
        phone.navigate(base + "/ui/");
        assertThat(phone.locator("#sidebar")).not().isInViewport();
        BrowserSession.screenshot(phone, "03-phone");
        phone.locator("#open-sidebar").click();
        assertThat(phone.locator("#sidebar")).isInViewport();
        BrowserSession.screenshot(phone, "04-phone-menu");
        phone.keyboard().press("Escape");
        assertThat(phone.locator("#backdrop")).isHidden();
        phone.context().close();
    }

    @Test
    @Order(2)
    void modelOutputIsRenderedAsMarkdownAndNeverRunsAsCode() throws Exception {
        String id = chat("Markdown test", "Show me code", "Here is **bold** text and a list:\n\n- one\n- two\n\n"
                + "```python\ndef hello():\n    return 42\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                + "<img src=x onerror=\"window.pwned=1\"> and <script>window.pwned=2</script> "
                + "[link](javascript:window.pwned=3) ![remote](http://example.com/x.png)");
        Page page = open("/ui/#/c/" + id);
        Locator answer = page.locator(".msg.assistant .md");
        assertThat(answer.locator("strong")).hasText("bold");
        assertThat(answer.locator(".code-block .code-lang")).hasText("python");
        assertThat(answer.locator(".code-block .hljs-keyword").first()).hasText("def");
        assertThat(answer.locator("table td").first()).hasText("1");
        assertThat(page.locator(".msg.assistant .stat.speed")).hasText("60.0 tokens/s");
        assertThat(answer).containsText("<script>window.pwned=2</script>"); // shown as text
        assertThat(answer.locator("img")).hasCount(0); // not even a broken-image icon
        assertThat(answer.locator("a[href='http://example.com/x.png']")).hasText("[image: remote]");
        assertThat(answer.locator("script")).hasCount(0);
        assertThat(answer.locator("a").first()).not().hasAttribute("href", Pattern.compile("javascript"));
        assertThat(page.evaluate("() => window.pwned === undefined")).isEqualTo(true);
        assertThat(page.locator("#chat-list .chat-item.active")).containsText("Markdown test");
        page.context().grantPermissions(java.util.List.of("clipboard-read", "clipboard-write"));
        page.locator(".code-block .copy-btn").click();
        assertThat(page.locator(".code-block .copy-btn")).hasText("Copied");
        assertThat(page.evaluate("() => navigator.clipboard.readText()")).isEqualTo("def hello():\n    return 42");
        BrowserSession.screenshot(page, "10-markdown");
        page.context().close();
        Page dark = browser.newPage(base, 1280, 800, "dark");
        dark.navigate(base + "/ui/#/c/" + id);
        assertThat(dark.locator(".code-block .hljs-keyword").first()).hasText("def");
        BrowserSession.screenshot(dark, "11-markdown-dark");
        dark.context().close();
        Page phone = browser.newPage(base, 390, 844, "light");
        phone.navigate(base + "/ui/#/c/" + id);
        assertThat(phone.locator(".code-block .hljs-keyword").first()).hasText("def");
        assertThat(phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")).isEqualTo(true);
        BrowserSession.screenshot(phone, "12-markdown-phone");
        phone.context().close();
    }

    @Test
    @Order(3)
    void savedChatsAreListedSearchedRenamedAndDeleted() throws Exception {
        String soup = chat("Tomato soup", "How do I make tomato soup?", "Roast the tomatoes first.");
        chat("Python decorators", "What is a decorator?", "A function that wraps another function.");
        Page page = open("/ui/");
        Locator items = page.locator("#chat-list .chat-item");
        assertThat(items.first()).containsText("Python decorators");
        assertThat(page.locator("#chat-list .chat-group").first()).hasText("Today");

        page.locator("#chat-search").fill("SOUP");
        assertThat(items).hasCount(1);
        assertThat(items.first()).containsText("Tomato soup");
        BrowserSession.screenshot(page, "30-search");
        page.locator("#chat-search").fill("no such chat");
        assertThat(page.locator("#chat-list .list-empty")).containsText("No chats match");
        page.locator("#chat-search").press("Escape");
        assertThat(items.first()).containsText("Python decorators");

        // rename in place: the server keeps the new title
        Locator soupItem = page.locator("#chat-list .chat-item[data-id='" + soup + "']");
        soupItem.hover();
        soupItem.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                new Locator.GetByRoleOptions().setName("Rename chat Tomato soup")).click();
        Locator input = page.locator("#chat-list .rename-input");
        assertThat(input).isFocused();
        input.fill("Winter soup");
        input.press("Enter");
        assertThat(soupItem).containsText("Winter soup");
        assertThat(api("GET", "/api/hearth/conversations/" + soup, null).get("title").asString()).isEqualTo("Winter soup");

        // another browser (no shared storage) finds the chat on the server
        Page other = browser.newPage(base, 1280, 800, "light");
        other.navigate(base + "/ui/");
        other.locator("#chat-list .chat-item[data-id='" + soup + "'] .chat-link").click();
        assertThat(other).hasURL(Pattern.compile("#/c/" + soup + "$"));
        assertThat(other.locator(".msg.user .bubble")).hasText("How do I make tomato soup?");
        assertThat(other.locator("#chat-title")).hasText("Winter soup");
        other.reload();
        assertThat(other.locator(".msg.assistant .md")).hasText("Roast the tomatoes first.");
        other.context().close();

        // delete, with a confirmation
        soupItem.hover();
        soupItem.locator("button[aria-label^='Delete chat']").click();
        assertThat(page.locator("#confirm-dialog")).isVisible();
        BrowserSession.screenshot(page, "31-delete-confirm");
        page.locator("#confirm-ok").click();
        assertThat(soupItem).hasCount(0);
        assertThat(Files.exists(dir.resolve("conversations").resolve(soup + ".json"))).isFalse();
        assertThat(RawHttp.request(server.port(), "GET", "/api/hearth/conversations/" + soup, null).status()).isEqualTo(404);
        page.context().close();
    }

    @Test
    @Order(4)
    void chatSettingsAreSavedWithTheChat() throws Exception {
        String id = chat("Settings", "Hi", "Hello!");
        Page page = open("/ui/#/c/" + id);
        assertThat(page.locator(".msg.assistant .md")).hasText("Hello!");
        page.locator("#chat-settings-button").click();
        assertThat(page.locator("#settings-dialog")).isVisible();
        page.locator("#set-system").fill("You are a pirate.");
        page.locator("#set-temperature-default").uncheck();
        page.locator("#set-temperature").fill("0.3");
        page.locator("#set-ctx").fill("2048");
        page.locator("#set-predict").fill("64");
        BrowserSession.screenshot(page, "40-settings");
        page.locator("#settings-save").click();
        assertThat(page.locator("#settings-dialog")).isHidden();
        assertThat(page.locator(".toast")).containsText("saved");
        JsonNode saved = api("GET", "/api/hearth/conversations/" + id, null);
        assertThat(saved.get("system").asString()).isEqualTo("You are a pirate.");
        assertThat(saved.get("options").get("temperature").asDouble()).isEqualTo(0.3);
        assertThat(saved.get("options").get("num_ctx").asInt()).isEqualTo(2048);
        assertThat(saved.get("options").get("num_predict").asInt()).isEqualTo(64);
        page.context().close();
    }

    @Test
    @Order(5)
    void everythingWorksFromTheKeyboardAndHasAName() throws Exception {
        String id = chat("Keyboard", "Can I use the keyboard?", "Yes.");
        Page page = open("/ui/#/c/" + id);
        assertThat(page.locator(".msg.assistant .md")).hasText("Yes.");
        // every visible control has an accessible name
        Object unnamed = page.evaluate("() => [...document.querySelectorAll('button, a, input, select, textarea')]"
                + ".filter(e => e.offsetParent !== null)"
                + ".filter(e => !(e.getAttribute('aria-label') || e.textContent.trim() || (e.labels && e.labels.length)"
                + " || e.getAttribute('aria-labelledby')))"
                + ".map(e => e.outerHTML.slice(0, 120))");
        assertThat((java.util.List<?>) unnamed).isEmpty();
        // Ctrl+Shift+O starts a new chat, with the message box focused
        page.keyboard().press("Control+Shift+O");
        assertThat(page).hasURL(Pattern.compile("#/$"));
        assertThat(page.locator("#prompt")).isFocused();
        // from the search box, Tab reaches the saved chats; Enter opens one
        page.locator("#chat-search").focus();
        page.keyboard().press("Tab");
        assertThat(page.locator("#chat-list .chat-link").first()).isFocused();
        page.keyboard().press("Enter");
        assertThat(page).hasURL(Pattern.compile("#/c/" + id + "$"));
        // the message actions can be reached and used without a mouse
        page.locator(".msg.user button[aria-label='Edit and resend']").focus();
        assertThat(page.locator(".msg.user .msg-actions")).hasCSS("opacity", "1");
        page.keyboard().press("Enter");
        assertThat(page.locator(".edit-box textarea")).isFocused();
        page.keyboard().press("Escape");
        assertThat(page.locator(".edit-box")).hasCount(0);
        // dialogs take the focus and give it back on Escape
        page.locator("#chat-settings-button").focus();
        page.keyboard().press("Enter");
        assertThat(page.locator("#set-system")).isFocused();
        page.keyboard().press("Escape");
        assertThat(page.locator("#settings-dialog")).isHidden();
        assertThat(page.locator("#chat-settings-button")).isFocused();
        page.context().close();
    }

    @Test
    @Order(6)
    void modelsPageListsFitAndDeletes() throws Exception {
        Page page = open("/ui/");
        page.locator("#nav-models").click();
        assertThat(page).hasURL(Pattern.compile("#/models$"));
        Locator row = page.locator("#installed-list .model-row");
        assertThat(row).hasCount(1);
        assertThat(row).containsText("tiny:latest");
        assertThat(row).containsText("qwen2");
        assertThat(row).containsText("Q8_0");
        assertThat(row.locator(".fit")).hasText("Fits");
        assertThat(page.locator("#machine")).containsText("of memory");
        BrowserSession.screenshot(page, "20-models");

        row.locator("button[aria-label='Delete model tiny:latest']").click();
        page.locator("#confirm-ok").click();
        assertThat(page.locator("#installed-list")).containsText("No models installed yet");
        assertThat(api("GET", "/api/tags", null).get("models")).isEmpty();
        BrowserSession.screenshot(page, "21-models-empty");

        // a new chat now says what to do first
        page.locator("#new-chat").click();
        assertThat(page.locator("#chat-empty h2")).hasText("No models installed yet");
        assertThat(page.locator("#model-select")).isDisabled();
        page.locator("#prompt").fill("Hello?");
        page.locator("#prompt").press("Enter");
        assertThat(page.locator("#chat-banner")).containsText("No model is installed");
        BrowserSession.screenshot(page, "05-no-models");
        page.context().close();
    }

    @Test
    @Order(7)
    void aServerWithAnApiKeyAsksForIt(@TempDir Path other) throws Exception {
        try (HearthServer locked = UiTestServer.start(ServerConfig.ephemeralLoopback().withApiKey("open sesame")
                .withConversations(other.resolve("conversations")), new ModelCatalog(new ModelStore(other.resolve("models"))))) {
            String url = locked.baseUrl();
            Page page = browser.newPage(url, 1280, 800, "light");
            page.navigate(url + "/ui/");
            assertThat(page.locator("#key-dialog")).isVisible();
            assertThat(page.locator("#key-reason")).containsText("API key");
            BrowserSession.screenshot(page, "06-api-key");
            page.locator("#key-input").fill("wrong");
            page.locator("#key-input").press("Enter");
            assertThat(page.locator("#key-dialog")).isVisible(); // asked again: the key did not work
            page.locator("#key-input").fill("open sesame");
            page.locator("#key-input").press("Enter");
            assertThat(page.locator("#key-dialog")).isHidden();
            assertThat(page.locator("#chat-empty h2")).hasText("No models installed yet");
            page.reload(); // remembered
            assertThat(page.locator("#chat-empty h2")).hasText("No models installed yet");
            assertThat(page.locator("#key-dialog")).isHidden();
            page.context().close();
        }
    }
}
