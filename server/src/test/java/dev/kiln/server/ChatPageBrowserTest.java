package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.engine.EngineModels;
import dev.kiln.server.engine.Stories;
import dev.kiln.server.fake.ByteCodec;
import dev.kiln.server.fake.FakeModels;
import dev.kiln.server.fake.Script;
import dev.kiln.server.fake.ScriptedModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

import java.util.List;

import static dev.kiln.server.Browser.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chat page at {@code /} in a real headless Chromium, used as a person uses it: against the real stories260K
 * model (a streamed story, the stats line, settings that reach the request, reload keeps the conversation, themes,
 * phone width), and against a scripted model behind {@code --api-key} for what needs a known reply (HTML in the reply
 * shown as text, Markdown and highlighting, reasoning apart, stop mid-stream, edit-and-resend, regenerate). Saves
 * screenshots under {@code target/screenshots/}.
 */
class ChatPageBrowserTest {

    private static final String KEY = "sekret-key-17";
    /** The scripted reply to "html ...": raw HTML that must appear as text, Markdown that must render. */
    private static final String HTML_REPLY = "Here is <img src=x onerror=alert(1)> as **text**. ![cat](http://cat.invalid/c.png)\n\n"
            + "```java\nint answer = 42; // the answer\n```\n";

    private static final String TOOL_CALL = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    private static final String TOOLS = "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
            + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}}]";

    private static Browser browser;
    private static Server stories;
    private static Server scripted;
    private static ScriptedModel scriptedModel;
    private static java.nio.file.Path downloads;

    /** A screenshot of the page when a test fails, to see what the person would have seen. */
    @RegisterExtension
    static final AfterTestExecutionCallback SCREENSHOT_ON_FAILURE = context -> {
        if (context.getExecutionException().isPresent() && browser != null) {
            browser.screenshot("failed-" + context.getRequiredTestMethod().getName() + ".png");
        }
    };

    @BeforeAll
    static void start() throws Exception {
        downloads = java.nio.file.Files.createTempDirectory("kiln-downloads");
        browser = Browser.start(downloads);
        Script script = Script.whenLastLineStartsWith("user: html", Script.reply(HTML_REPLY),
                Script.whenLastLineStartsWith("user: think", Script.endlessThinker("Four."),
                Script.whenLastLineStartsWith("user: weather", Script.reply(TOOL_CALL),
                Script.whenLastLineStartsWith("tool: 18", Script.reply("It is 18 °C in Paris."), Script.babble()))));
        scriptedModel = new ScriptedModel(script, 1, 4096, 4);        // 4 ms a step: stop lands mid-stream
        scripted = Server.start(ServerConfig.defaults().withPort(0).withApiKey(KEY));
        scripted.serve(FakeModels.of(scriptedModel, "{{ '<think>' }}{{ '<tool_call>' }}"));   // thinks, Hermes tool calls
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (stories != null) {
            stories.close();
        }
        if (scripted != null) {
            scripted.close();
        }
        if (downloads != null) {
            try (var files = java.nio.file.Files.list(downloads)) {
                for (java.nio.file.Path f : files.toList()) {
                    java.nio.file.Files.deleteIfExists(f);
                }
                java.nio.file.Files.deleteIfExists(downloads);
            } catch (java.io.IOException e) {
                // a temporary folder: left for the system to clean
            }
        }
    }

    @Test
    void storiesStreamsAStoryWithStatsAndTheConversationSurvivesAReload() throws Exception {
        stories = Server.start(ServerConfig.defaults().withPort(0));        // here: without the test data only this test skips
        stories.serve(EngineModels.open(Stories.file(), Stories.options(), 512, 1));
        browser.driver.manage().window().setSize(new Dimension(1280, 860));
        browser.driver.get(stories.uri() + "/");
        await("the model name from /v1/models", 10_000, () -> browser.find("#model-name").getText().equals("stories260K.gguf"));
        assertEquals("512 tokens of context", browser.find("#model-info").getText(), "n_ctx from /props");

        // settings reach the request: greedy and 160 tokens, so the page's reply can be compared with the API's
        browser.find("#open-settings").click();
        assertEquals("0.8", browser.find("#set-temperature").getAttribute("placeholder"), "the server default from /props");
        browser.find("#set-temperature").sendKeys("0");
        browser.find("#set-max-tokens").sendKeys("160");
        browser.screenshot("chat-settings.png");
        browser.find("#close-settings").click();

        browser.find("#prompt").sendKeys("Once upon a time", Keys.ENTER);
        await("the stats line under the reply", 20_000, () -> browser.find(".msg.assistant .stats").getText().contains("tokens/s"));

        Http http = new Http(stories.uri(), null);
        JsonNode api = http.post("/v1/chat/completions", Http.chat("Once upon a time", "\"temperature\": 0, \"max_tokens\": 160")).json();
        String expected = api.at("/choices/0/message/content").asText();
        int tokens = api.at("/usage/completion_tokens").asInt();
        assertTrue(expected.length() > 20, expected);
        assertEquals(expected, storedMessages().get(1).get("content").asText(), "the reply as kept in localStorage");
        assertEquals(squash(expected), squash(browser.find(".msg.assistant .content").getText()), "the reply as shown");
        String stats = browser.find(".msg.assistant .stats").getText();
        assertTrue(stats.startsWith(tokens + " tokens · ") && stats.contains(" tokens/s · prompt "), stats);
        assertEquals("Once upon a time", browser.find(".msg.user .bubble").getText());
        browser.screenshot("chat.png");

        browser.find("#theme").click();
        assertEquals("dark", browser.script("return document.documentElement.dataset.theme"));
        browser.screenshot("chat-dark.png");

        browser.driver.navigate().refresh();
        await("the page after reload", 10_000, () -> browser.find("#model-name").getText().equals("stories260K.gguf"));
        assertEquals("dark", browser.script("return document.documentElement.dataset.theme"), "the theme is kept");
        assertEquals("Once upon a time", browser.find(".msg.user .bubble").getText());
        assertEquals(squash(expected), squash(browser.find(".msg.assistant .content").getText()));
        assertEquals(stats, browser.find(".msg.assistant .stats").getText());
        List<WebElement> listed = browser.all("#conversations .conv");
        assertEquals(1, listed.size());
        assertEquals("Once upon a time", listed.getFirst().getText());

        // phone width: the list becomes a drawer behind the menu button, the chat fills the screen
        browser.driver.manage().window().setSize(new Dimension(390, 844));
        await("the narrow layout", 5_000, () -> browser.find("#menu").isDisplayed());
        int width = ((Number) browser.script("return document.documentElement.clientWidth")).intValue();
        await("the conversation list to leave the screen", 3_000,
                () -> browser.find("#sidebar").getRect().getX() + browser.find("#sidebar").getRect().getWidth() <= 0);
        assertTrue(browser.find("#composer").getRect().getWidth() <= width, "the composer fits the screen");
        assertEquals(width, ((Number) browser.script("return document.documentElement.scrollWidth")).intValue(),
                "nothing scrolls sideways");
        browser.screenshot("chat-phone.png");
        browser.find("#menu").click();
        await("the drawer to open", 3_000, () -> browser.find("#sidebar").getRect().getX() == 0);
        new Actions(browser.driver).moveToLocation(width - 10, 400).click().perform();      // the backdrop
        await("the drawer to close", 3_000, () -> !browser.find("#backdrop").isDisplayed());
        browser.driver.manage().window().setSize(new Dimension(1280, 860));
        browser.find("#theme").click();
        assertNoPageErrors();
    }

    @Test
    void scriptedRepliesShowHtmlAsTextReasoningApartAndStopEditRegenerateWork() throws Exception {
        browser.driver.manage().window().setSize(new Dimension(1280, 860));
        browser.driver.get(scripted.uri() + "/");
        // --api-key: the page asks once, refuses a wrong key, keeps the right one
        await("the API key dialog", 10_000, () -> browser.find("#key-dialog").isDisplayed());
        browser.find("#key-input").sendKeys("wrong", Keys.ENTER);
        await("the refusal", 5_000, () -> browser.find("#key-error").getText().contains("refused"));
        browser.find("#key-input").sendKeys(KEY, Keys.ENTER);
        await("the model name", 5_000, () -> browser.find("#model-name").getText().equals("fake-model"));
        assertFalse(browser.find("#key-dialog").isDisplayed());

        // HTML in the model's reply is shown as the characters it wrote; Markdown renders, code is highlighted
        send("html please");
        WebElement reply = lastReply();
        assertTrue(reply.findElement(By.cssSelector(".content")).getText().contains("Here is <img src=x onerror=alert(1)> as text."),
                reply.getText());
        assertEquals(0, ((Number) browser.script("return document.querySelectorAll('#messages img').length")).intValue());
        assertEquals("text", reply.findElement(By.cssSelector(".content strong")).getText());
        assertEquals("http://cat.invalid/c.png", reply.findElement(By.linkText("[image: cat]")).getAttribute("href"),
                "a Markdown image from elsewhere becomes a link (the page's policy loads nothing from other origins)");
        double htmlRate = tokensPerSecond(reply.findElement(By.cssSelector(".stats")).getText());
        assertTrue(htmlRate > 20 && htmlRate <= 250, "tokens/s " + htmlRate);
        assertFalse(reply.findElements(By.cssSelector(".code-block code span[class^='hljs-']")).isEmpty(), "highlighted");
        assertEquals("java", reply.findElement(By.cssSelector(".code-head span")).getText());
        assertTrue(reply.findElement(By.cssSelector(".code-copy")).isDisplayed(), "a copy button on the code block");
        assertThrows(NoAlertPresentException.class, () -> browser.driver.switchTo().alert());

        // reasoning: apart from the answer, collapsed, with its thinking time; the budget comes from the settings
        browser.find("#open-settings").click();
        browser.find("#set-reasoning-budget").sendKeys("9");
        browser.find("#close-settings").click();
        send("think about 2+2");
        reply = lastReply();
        WebElement reasoning = reply.findElement(By.cssSelector("details.reasoning"));
        assertNull(reasoning.getAttribute("open"), "collapsed by default");
        assertTrue(reasoning.getText().startsWith("Thought for "), reasoning.getText());
        assertEquals("Four.", reply.findElement(By.cssSelector(".content")).getText());
        reasoning.findElement(By.tagName("summary")).click();
        assertEquals("hmm hmm", reply.findElement(By.cssSelector(".reasoning-text")).getText());

        // stop mid-stream: the text stops growing, the slot is freed, the reply is kept as stopped
        browser.find("#prompt").sendKeys("go on", Keys.ENTER);
        await("streamed text", 10_000, () -> lastReply().findElement(By.cssSelector(".content")).getText().length() > 30);
        int before = lastReply().findElement(By.cssSelector(".content")).getText().length();
        await("the text to grow while streaming", 5_000,
                () -> lastReply().findElement(By.cssSelector(".content")).getText().length() > before + 10);
        browser.find("#stop").click();
        await("the stopped reply", 5_000, () -> lastReply().findElement(By.cssSelector(".stats")).getText().startsWith("stopped"));
        String stopped = lastReply().findElement(By.cssSelector(".content")).getText();
        await("the slot to be freed", 5_000, () -> scripted.stats().slotsBusy() == 0);
        Thread.sleep(200);
        assertEquals(stopped, lastReply().findElement(By.cssSelector(".content")).getText(), "nothing after stop");
        assertTrue(browser.find("#send").isDisplayed());

        // edit-and-resend: the edited message replaces the old one and the stopped reply is dropped
        WebElement goOn = browser.all(".msg.user").getLast();
        new Actions(browser.driver).moveToElement(goOn).perform();
        WebElement edit = goOn.findElement(By.cssSelector("button[title='Edit and resend']"));
        await("the edit button", 3_000, edit::isDisplayed);
        edit.click();
        WebElement area = goOn.findElement(By.cssSelector("textarea.edit-area"));
        area.clear();
        area.sendKeys("html again", Keys.ENTER);
        await("the reply to the edited message", 10_000, () -> lastReply().findElement(By.cssSelector(".stats")).getText().contains("tokens/s"));
        assertEquals(6, browser.all("#messages .msg").size());
        assertEquals("html again", browser.all(".msg.user .bubble").getLast().getText());
        assertTrue(lastReply().getText().contains("<img src=x onerror=alert(1)>"));

        // regenerate: the last reply is asked for again, in place
        int calls = scriptedModel.calls.get();
        lastReply().findElement(By.cssSelector("button.regenerate")).click();
        await("the regenerated reply", 10_000, () -> scriptedModel.calls.get() > calls
                && lastReply().findElement(By.cssSelector(".stats")).getText().contains("tokens/s"));
        assertEquals(6, browser.all("#messages .msg").size());
        assertTrue(lastReply().getText().contains("<img src=x onerror=alert(1)>"));
        browser.screenshot("chat-features.png");

        // reload: the key is not asked again, the conversation is kept
        browser.driver.navigate().refresh();
        await("the model name after reload", 10_000, () -> browser.find("#model-name").getText().equals("fake-model"));
        assertFalse(browser.find("#key-dialog").isDisplayed());
        assertEquals(6, browser.all("#messages .msg").size());
        assertTrue(browser.find("details.reasoning:not([hidden])").getText().startsWith("Thought for "));

        // tools from the settings: the model's call is shown as a call, its result goes back as a "tool" message
        browser.find("#new-chat").click();
        assertEquals(0, browser.all("#messages .msg").size());
        browser.find("#open-settings").click();
        browser.find("#set-tools").sendKeys(TOOLS);
        browser.find("#set-system").sendKeys("Be brief.");
        browser.find("#close-settings").click();
        send("weather in Paris?");
        WebElement call = lastReply().findElement(By.cssSelector(".tool-call"));
        // the call arrives whole once parsed; its rate is still that of a 4 ms-a-step model (at most 250 tokens/s)
        double rate = tokensPerSecond(lastReply().findElement(By.cssSelector(".stats")).getText());
        assertTrue(rate > 20 && rate <= 250, "tokens/s " + rate);
        assertEquals("get_weather", call.findElement(By.cssSelector(".tool-name")).getText());
        assertEquals("{\n  \"city\": \"Paris\"\n}", call.findElement(By.tagName("pre")).getText());
        assertTrue(lastReply().findElement(By.cssSelector(".content")).getText().isEmpty(), "a call, not text");
        lastReply().findElement(By.cssSelector(".tool-results-form textarea")).sendKeys("18 °C, sunny");
        int replies = browser.all(".msg.assistant").size();
        lastReply().findElement(By.cssSelector(".tool-results-form button")).click();
        await("the answer after the tool result", 10_000, () -> browser.all(".msg.assistant").size() > replies
                && lastReply().findElement(By.cssSelector(".stats")).getText().contains("tokens/s"));
        assertEquals("It is 18 °C in Paris.", lastReply().findElement(By.cssSelector(".content")).getText());
        assertEquals("18 °C, sunny", browser.find(".msg.tool-result pre").getText());
        assertEquals(2, browser.all("#conversations .conv").size());
        String prompt = new ByteCodec().decode(scriptedModel.sequence(0));
        assertTrue(prompt.contains("system: Be brief.\nuser: weather in Paris?\n"), prompt);
        browser.screenshot("chat-tools.png");

        // the conversation list: export as JSON, rename, delete
        browser.find("#export-all").click();
        java.nio.file.Path exported = downloads.resolve("kiln-conversations.json");
        await("the exported file", 5_000, () -> java.nio.file.Files.exists(exported));
        JsonNode export = Http.JSON.readTree(exported.toFile());
        assertEquals(2, export.get("conversations").size());
        assertEquals("It is 18 °C in Paris.", export.at("/conversations/0/messages/3/content").asText());
        WebElement older = browser.all("#conversations .conv").getLast();
        new Actions(browser.driver).moveToElement(older).perform();
        older.findElement(By.cssSelector("button[title='Rename']")).click();
        WebElement name = browser.find("#conversations .rename-input");
        name.sendKeys(Keys.chord(Keys.CONTROL, "a"), "Markdown checks", Keys.ENTER);
        await("the new name", 3_000, () -> browser.all("#conversations .conv").stream()
                .anyMatch(c -> c.getText().equals("Markdown checks")));
        WebElement renamed = browser.all("#conversations .conv").stream()
                .filter(c -> c.getText().equals("Markdown checks")).findFirst().orElseThrow();
        new Actions(browser.driver).moveToElement(renamed).perform();
        renamed.findElement(By.cssSelector("button[title='Delete']")).click();
        browser.driver.switchTo().alert().accept();
        await("the deletion", 3_000, () -> browser.all("#conversations .conv").size() == 1);
        browser.driver.navigate().refresh();
        await("the list after reload", 10_000, () -> browser.all("#conversations .conv").size() == 1);
        assertEquals("weather in Paris?", browser.find("#conversations .conv").getText());
        assertNoPageErrors();
    }

    private static void send(String text) {
        int replies = browser.all(".msg.assistant").size();
        browser.find("#prompt").sendKeys(text, Keys.ENTER);
        await("the reply to '" + text + "'", 10_000, () -> browser.all(".msg.assistant").size() > replies
                && lastReply().findElement(By.cssSelector(".stats")).getText().contains("tokens/s"));
    }

    private static double tokensPerSecond(String stats) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9.]+) tokens/s").matcher(stats);
        assertTrue(m.find(), stats);
        return Double.parseDouble(m.group(1));
    }

    private static WebElement lastReply() {
        return browser.all(".msg.assistant").getLast();
    }

    /** The current conversation's messages as the page stored them. */
    private static List<JsonNode> storedMessages() throws Exception {
        String current = Http.JSON.readTree((String) browser.script("return localStorage.getItem('kiln.current')")).asText();
        JsonNode all = Http.JSON.readTree((String) browser.script("return localStorage.getItem('kiln.conversations')"));
        for (JsonNode c : all) {
            if (c.get("id").asText().equals(current)) {
                List<JsonNode> messages = new java.util.ArrayList<>();
                c.get("messages").forEach(messages::add);
                return messages;
            }
        }
        throw new AssertionError("no current conversation in " + all);
    }

    private static void assertNoPageErrors() {
        List<String> bad = browser.console().stream()
                .filter(line -> line.contains("Content Security Policy") || line.contains("Uncaught")
                        || line.contains("TypeError") || line.contains("SyntaxError"))
                .toList();
        assertEquals(List.of(), bad, "console errors");
    }

    private static String squash(String s) {
        return s.replaceAll("\\s+", " ").strip();
    }
}
