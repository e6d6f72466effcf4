package dev.kiln.server.api;

/**
 * An error the server answers with an OpenAI-shaped body: {@code {"error": {"message", "type", "param", "code"}}}.
 * {@code param} names the request field at fault (for example {@code messages[2].role}).
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(int status, String type, String code, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    /** 400 for a bad field. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", "invalid_value", param, message);
    }

    public int status() {
        return status;
    }

    public ErrorBody body() {
        return new ErrorBody(new ErrorBody.Error(getMessage(), type, param, code));
    }

    /** The JSON body of an error response. */
    public record ErrorBody(Error error) {
        public record Error(String message, String type, String param, String code) {
        }
    }
}
