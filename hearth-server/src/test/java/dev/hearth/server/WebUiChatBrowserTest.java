package dev.hearth.server;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import dev.hearth.server.api.Json;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.runtime.SchedulerConfig;
import dev.hearth.store.ModelStore;
import dev.hearth.store.testing.TestRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
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
 * Chatting and pulling through the web page in a real headless Chromium: a tiny random-weight model streams
 * (gibberish) answers from the real engine, and models are pulled from a local test registry. Screenshots of
 * each step are kept under {@code target/ui-screenshots/}.
 */
@Tag("slow")
@Tag("browser")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiChatBrowserTest {
    private static final Pattern CHAT_URL = Pattern.compile("#/c/([0-9a-f]{32})$");

    private BrowserSession browser;
    private HearthServer server;
    private TestRegistry registry;
    private String base;
    private Page page;
    private String firstChat;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        ModelStore store = new ModelStore(dir.resolve("models"));
        TestStores.install(store, "tiny", TestStores.model("qwen2-Q8_0.gguf"), null, null, null);
        server = UiTestServer.start(ServerConfig.ephemeralLoopback().withConversations(dir.resolve("conversations")),
                new ModelCatalog(store));
        base = server.baseUrl();
        registry = TestRegistry.start();
        browser = BrowserSession.start();
        page = browser.newPage(base, 1280, 800, "light");
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
            if (registry != null) {
                registry.close();
            }
            if (server != null) {
                server.close();
            }
        }
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        RawHttp.Response r = RawHttp.request(server.port(), method, path, body);
        assertThat(r.status()).as(method + " " + path + ": " + r.body()).isLessThan(300);
        return r.body().isEmpty() ? null : Json.mapper().readTree(r.body());
    }

    private String currentChatId() {
        Matcher m = CHAT_URL.matcher(page.url());
        assertThat(m.find()).as("chat URL " + page.url()).isTrue();
        return m.group(1);
    }

    private void setAnswerLimit(int tokens) {
        page.locator("#chat-settings-button").click();
        page.locator("#set-predict").fill(tokens > 0 ? Integer.toString(tokens) : "");
        page.locator("#settings-save").click();
        assertThat(page.locator("#settings-dialog")).isHidden();
    }

    /** Waits until the last answer is streaming with some text on screen (not yet finished). */
    private void waitForStreamedText(int chars) {
        page.waitForFunction("n => { const m = document.querySelector('.msg.assistant.streaming .md');"
                + " return m && m.textContent.length >= n; }", chars);
    }

    private Locator lastAnswer() {
        return page.locator(".msg.assistant").last();
    }

    /** Waits until the last answer has finished (the engine is slow on a shared CI machine). */
    private void waitForAnswer() {
        assertThat(lastAnswer()).hasAttribute("aria-busy", "false",
                new com.microsoft.playwright.assertions.LocatorAssertions.HasAttributeOptions().setTimeout(90_000));
    }

    @Test
    @Order(1)
    void aMessageGetsAStreamedAnswerThatIsSaved() throws Exception {
        page.navigate(base + "/ui/");
        assertThat(page.locator("#model-select")).hasValue("tiny:latest");
        setAnswerLimit(48);
        page.locator("#prompt").fill("Hello! Who are you?");
        page.locator("#prompt").press("Shift+Enter");
        page.locator("#prompt").pressSequentially("Answer briefly.");
        assertThat(page.locator("#prompt")).hasValue("Hello! Who are you?\nAnswer briefly.");
        page.locator("#prompt").press("Enter");

        assertThat(page.locator(".msg.user .bubble")).hasText("Hello! Who are you?\nAnswer briefly.");
        assertThat(page.locator("#prompt")).hasValue("");
        waitForStreamedText(1);
        assertThat(page.locator("#stop")).isVisible();
        BrowserSession.screenshot(page, "11-chat-streaming");

        waitForAnswer();
        assertThat(lastAnswer().locator(".stat.speed")).hasText(Pattern.compile("^[0-9.]+ tokens/s$"));
        assertThat(lastAnswer()).not().hasClass(Pattern.compile("streaming"));
        assertThat(lastAnswer().locator(".msg-foot")).containsText("48 tokens");
        assertThat(page.locator("#send")).isVisible();
        String answer = lastAnswer().locator(".md").textContent();
        assertThat(answer).isNotBlank();
        BrowserSession.screenshot(page, "12-chat-answered");

        // saved on the server, under a title taken from the question
        assertThat(page).hasURL(CHAT_URL);
        firstChat = currentChatId();
        assertThat(page.locator("#chat-list .chat-item.active")).hasText("Hello! Who are you?");
        JsonNode saved = api("GET", "/api/hearth/conversations/" + firstChat, null);
        assertThat(saved.get("messages")).hasSize(2);
        assertThat(saved.get("messages").get(1).get("stats").get("eval_count").asInt()).isEqualTo(48);
        assertThat(saved.get("options").get("num_predict").asInt()).isEqualTo(48);

        // a reload finds it, and so does another browser
        page.reload();
        assertThat(lastAnswer().locator(".md")).hasText(answer);
        assertThat(page.locator("#chat-title")).hasText("Hello! Who are you?");
        Page other = browser.newPage(base, 1280, 800, "light");
        other.navigate(base + "/ui/");
        other.locator("#chat-list .chat-item[data-id='" + firstChat + "'] .chat-link").click();
        assertThat(other.locator(".msg.assistant .md")).hasText(answer);
        assertThat(other.locator(".msg.assistant .stat.speed")).isVisible();
        BrowserSession.screenshot(other, "13-chat-reloaded-elsewhere");
        other.context().close();
    }

    @Test
    @Order(2)
    void stopEndsAnAnswerMidway() throws Exception {
        page.locator("#new-chat").click();
        assertThat(page.locator("#chat-empty h2")).isVisible();
        page.locator("#prompt").fill("Tell me a very long story.");
        page.locator("#send").click();
        waitForStreamedText(12);
        page.locator("#stop").click();
        assertThat(lastAnswer().locator(".tag")).hasText("Stopped");
        assertThat(page.locator("#send")).isVisible();
        String text = lastAnswer().locator(".md").textContent();
        page.waitForTimeout(800);
        assertThat(lastAnswer().locator(".md").textContent()).isEqualTo(text);
        BrowserSession.screenshot(page, "14-stopped");
        String id = currentChatId();
        page.waitForCondition(() -> {
            try {
                JsonNode m = api("GET", "/api/hearth/conversations/" + id, null).get("messages");
                return m.size() == 2 && m.get(1).path("stopped").asBoolean(false);
            } catch (Exception e) {
                return false;
            }
        });
        JsonNode saved = api("GET", "/api/hearth/conversations/" + id, null).get("messages").get(1);
        assertThat(saved.get("content").asString().length()).isGreaterThanOrEqualTo(12);
        assertThat(saved.get("stats").get("eval_count").asInt()).isPositive(); // counted by the page
    }

    @Test
    @Order(3)
    void answersCanBeRegeneratedAndQuestionsEdited() throws Exception {
        setAnswerLimit(16);
        String before = lastAnswer().locator(".md").textContent();
        lastAnswer().hover();
        lastAnswer().locator("button[aria-label='Regenerate']").click();
        waitForAnswer();
        assertThat(lastAnswer().locator(".stat.speed")).isVisible();
        assertThat(page.locator(".msg")).hasCount(2);
        assertThat(lastAnswer().locator(".tag")).not().hasText("Stopped");
        assertThat(lastAnswer().locator(".md").textContent()).isNotEqualTo(before);

        Locator question = page.locator(".msg.user").first();
        question.hover();
        question.locator("button[aria-label='Edit and resend']").click();
        Locator editor = page.locator(".edit-box textarea");
        assertThat(editor).isFocused();
        assertThat(editor).hasValue("Tell me a very long story.");
        editor.fill("Tell me a short story instead.");
        BrowserSession.screenshot(page, "15-editing");
        page.locator(".edit-box button", new Page.LocatorOptions().setHasText("Send")).click();
        assertThat(page.locator(".msg.user .bubble")).hasText("Tell me a short story instead.");
        waitForAnswer();
        assertThat(lastAnswer().locator(".stat.speed")).isVisible();
        assertThat(page.locator(".msg")).hasCount(2);
        BrowserSession.screenshot(page, "16-edited");
        JsonNode saved = api("GET", "/api/hearth/conversations/" + currentChatId(), null);
        assertThat(saved.get("title").asString()).isEqualTo("Tell me a short story instead.");
        assertThat(saved.get("messages").get(0).get("content").asString()).isEqualTo("Tell me a short story instead.");
    }

    @Test
    @Order(4)
    void aMissingModelIsExplained() throws Exception {
        String id = api("POST", "/api/hearth/conversations", "{\"title\": \"Old chat\", \"model\": \"gone:latest\","
                + " \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello.\"}]}")
                .get("id").asString();
        page.navigate(base + "/ui/#/c/" + id);
        assertThat(page.locator("#model-select option:checked")).hasText("gone:latest (not installed)");
        page.locator("#prompt").fill("Are you there?");
        page.locator("#prompt").press("Enter");
        Locator error = lastAnswer().locator(".msg-error");
        assertThat(error.locator(".msg-error-text")).containsText("'gone:latest' not found");
        assertThat(error).containsText("download this one on the Models page");
        assertThat(error.locator("a", new Locator.LocatorOptions().setHasText("Models"))).isVisible();
        BrowserSession.screenshot(page, "17-error-missing-model");
        // choosing an installed model and retrying works
        page.locator("#model-select").selectOption("tiny:latest");
        setAnswerLimit(8);
        error.locator("button", new Locator.LocatorOptions().setHasText("Retry")).click();
        waitForAnswer();
        assertThat(lastAnswer().locator(".stat.speed")).isVisible();
        assertThat(page.locator(".msg-error")).hasCount(0);
    }

    @Test
    @Order(5)
    void loadedModelsAreShownAndCanBeUnloaded() {
        page.locator("#nav-models").click();
        Locator loaded = page.locator("#loaded-list .model-row");
        assertThat(loaded).hasCount(1);
        assertThat(loaded).containsText("tiny:latest");
        assertThat(loaded).containsText("in memory");
        BrowserSession.screenshot(page, "22-models-loaded");
        loaded.locator("button", new Locator.LocatorOptions().setHasText("Unload")).click();
        assertThat(page.locator("#loaded-list")).containsText("No model is loaded");
    }

    @Test
    @Order(6)
    void aModelIsPulledWithLiveProgress() throws Exception {
        registry.publish("library/pulled", "f16", TestStores.model("qwen2-F16.gguf"), null, null, null, null);
        registry.throttleBytesPerSecond = 1_500_000; // about three seconds, so the bar is seen moving
        String name = registry.name("library/pulled", "f16");
        page.locator("#pull-name").fill(name);
        page.locator("#pull-button").click();
        page.waitForFunction("() => { const v = +document.getElementById('pull-bar').getAttribute('aria-valuenow');"
                + " return v >= 10 && v <= 80; }");
        assertThat(page.locator("#pull-status")).hasText("Downloading");
        assertThat(page.locator("#pull-bytes")).containsText(" of ");
        BrowserSession.screenshot(page, "23-pull-progress");
        assertThat(page.locator("#pull-status")).hasText("Installed", new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(60_000));
        assertThat(page.locator("#pull-bar")).hasAttribute("aria-valuenow", "100");
        Locator row = page.locator("#installed-list .model-row[data-model='" + name + "']");
        assertThat(row).isVisible();
        assertThat(row.locator(".fit")).hasText("Fits");
        BrowserSession.screenshot(page, "24-pull-done");
        page.locator("#pull-progress a", new Page.LocatorOptions().setHasText("Chat with it")).click();
        assertThat(page.locator("#model-select")).hasValue(name);
        assertThat(page.locator("#chat-empty")).containsText("Chatting with " + name);
    }

    @Test
    @Order(7)
    void aMissingModelNameFailsThePullClearly() {
        page.locator("#nav-models").click();
        page.locator("#pull-name").fill(registry.name("library/nothing", "here"));
        page.locator("#pull-button").click();
        assertThat(page.locator("#pull-progress")).hasClass(Pattern.compile("failed"));
        assertThat(page.locator("#pull-status")).not().hasText("Starting…");
        BrowserSession.screenshot(page, "25-pull-failed");
    }

    @Test
    @Order(7)
    void typingAMessageLoadsTheModelAhead() throws Exception {
        for (JsonNode m : api("GET", "/api/ps", null).get("models")) {
            api("POST", "/api/generate", "{\"model\": \"" + m.get("name").asString() + "\", \"keep_alive\": 0}");
        }
        assertThat(api("GET", "/api/ps", null).get("models")).isEmpty();
        page.navigate(base + "/ui/");
        page.locator("#model-select").selectOption("tiny:latest");
        assertThat(page.locator("#chat-empty")).containsText("Chatting with tiny:latest");
        page.locator("#prompt").pressSequentially("Hel");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (api("GET", "/api/ps", null).get("models").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(api("GET", "/api/ps", null).get("models").get(0).get("name").asString()).isEqualTo("tiny:latest");
        page.locator("#prompt").fill("");
    }

    @Test
    @Order(8)
    void aModelTooBigForThisComputerIsExplained(@TempDir Path other) throws Exception {
        ModelStore store = new ModelStore(other.resolve("models"));
        TestStores.install(store, "tiny", TestStores.model("qwen2-Q8_0.gguf"), null, null, null);
        SchedulerConfig oneMegabyte = new SchedulerConfig(1, 1, 8, Duration.ofMinutes(5), 512, 2, 1L << 30, 1L << 20, 64);
        try (HearthServer small = UiTestServer.start(ServerConfig.ephemeralLoopback()
                .withConversations(other.resolve("conversations")), oneMegabyte, new ModelCatalog(store))) {
            Page p = browser.newPage(small.baseUrl(), 1280, 800, "light");
            p.navigate(small.baseUrl() + "/ui/");
            // The page has loaded its models and opened a chat (Enter before that sends nothing).
            assertThat(p.locator("#chat-empty")).containsText("Chatting with tiny");
            p.locator("#prompt").fill("Hello?");
            p.locator("#prompt").press("Enter");
            Locator error = p.locator(".msg.assistant .msg-error");
            assertThat(error.locator(".msg-error-text")).containsText("requires more system memory");
            assertThat(error).containsText("needs more memory than this computer has free");
            assertThat(error.locator("button", new Locator.LocatorOptions().setHasText("Chat settings"))).isVisible();
            BrowserSession.screenshot(p, "18-error-memory");
            p.context().close();
        }
    }
}
