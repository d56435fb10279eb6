#include "applications/hipster_shop/demo_shop.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hipster_shop {
namespace {

using loadgen::ServerRequest;
using loadgen::ServerResponse;

constexpr char kSessionCookie[] = "shop_session-id";
constexpr size_t kMaxSessions = 100000;
constexpr std::array<absl::string_view, 9> kProducts = {"0PUK6V6EV0", "1YMWWN1N4O", "2ZYFJ3GM2N",
                                                        "66VCHSJNUP", "6E92ZMYYFZ", "9SIQT8TOJO",
                                                        "L9ECAV7KIM", "LS4PSXUNUM", "OLJCESPC7Z"};
constexpr std::array<absl::string_view, 4> kCurrencies = {"EUR", "USD", "JPY", "CAD"};
constexpr std::array<absl::string_view, 10> kCheckoutFields = {"email",
                                                               "street_address",
                                                               "zip_code",
                                                               "city",
                                                               "state",
                                                               "country",
                                                               "credit_card_number",
                                                               "credit_card_expiration_month",
                                                               "credit_card_expiration_year",
                                                               "credit_card_cvv"};

bool Known(absl::string_view product) {
  return std::find(kProducts.begin(), kProducts.end(), product) != kProducts.end();
}

std::string UrlDecode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && absl::ascii_isxdigit(text[i + 1]) &&
               absl::ascii_isxdigit(text[i + 2])) {
      int value = 0;
      if (!absl::SimpleHexAtoi(text.substr(i + 1, 2), &value)) value = '?';  // checked above
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> ParseForm(absl::string_view body) {
  std::map<std::string, std::string> form;
  for (absl::string_view pair : absl::StrSplit(body, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    form[UrlDecode(kv.first)] = UrlDecode(kv.second);
  }
  return form;
}

std::string CookieValue(const ServerRequest& request, absl::string_view name) {
  auto it = request.headers.find("cookie");
  if (it == request.headers.end()) return "";
  for (absl::string_view part : absl::StrSplit(it->second, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return "";
}

ServerResponse Page(int status, std::string body) {
  return ServerResponse{.status = status,
                        .body = std::move(body),
                        .headers = {{"Content-Type", "text/html; charset=utf-8"}}};
}

ServerResponse Redirect(absl::string_view to) {
  return ServerResponse{.status = 302, .body = "", .headers = {{"Location", std::string(to)}}};
}

}  // namespace

DemoShop::DemoShop(Options options) : options_(options), rng_(options.seed) {}

ServerResponse DemoShop::Handle(const ServerRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string id = CookieValue(request, kSessionCookie);
  const bool new_session = id.empty() || !sessions_.contains(id);
  if (new_session) {
    if (sessions_.size() >= kMaxSessions) sessions_.erase(sessions_.begin());
    id = absl::StrFormat("%016x", rng_() ^ static_cast<uint64_t>(next_session_++));
  }
  ServerResponse response;
  if (options_.error_rate > 0 &&
      std::uniform_real_distribution<double>(0, 1)(rng_) < options_.error_rate) {
    ++injected_errors_;
    response = Page(500, "injected error\n");
  } else {
    response = Route(request, sessions_[id]);
  }
  if (new_session) {
    response.headers.emplace_back("Set-Cookie", absl::StrCat(kSessionCookie, "=", id, "; Path=/"));
  }
  const double factor =
      options_.latency_sigma > 0
          ? std::exp(options_.latency_sigma * std::normal_distribution<double>(0, 1)(rng_))
          : 1.0;
  response.delay = options_.median_latency * factor;
  return response;
}

ServerResponse DemoShop::Route(const ServerRequest& request, Session& session) {
  absl::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  const bool get = request.method == "GET", post = request.method == "POST";
  if (get && path == "/") {
    std::string body =
        absl::StrCat("<h1>Online Boutique (demo)</h1><p>Currency: ", session.currency, "</p><ul>");
    for (absl::string_view p : kProducts) {
      absl::StrAppend(&body, "<li><a href=\"/product/", p, "\">", p, "</a></li>");
    }
    return Page(200, body + "</ul>\n");
  }
  if (post && path == "/setCurrency") {
    const std::string code = ParseForm(request.body)["currency_code"];
    if (std::find(kCurrencies.begin(), kCurrencies.end(), code) == kCurrencies.end()) {
      return Page(400, absl::StrCat("unsupported currency '", code, "'\n"));
    }
    session.currency = code;
    return Redirect("/");
  }
  if (get && absl::ConsumePrefix(&path, "/product/")) {
    if (!Known(path)) return Page(404, absl::StrCat("no product '", path, "'\n"));
    return Page(
        200, absl::StrCat("<h1>Product ", path, "</h1><p>Price in ", session.currency, "</p>\n"));
  }
  if (post && path == "/cart") {
    std::map<std::string, std::string> form = ParseForm(request.body);
    int quantity = 0;
    if (!Known(form["product_id"])) {
      return Page(404, absl::StrCat("no product '", form["product_id"], "'\n"));
    }
    if (!absl::SimpleAtoi(form["quantity"], &quantity) || quantity < 1 || quantity > 10) {
      return Page(400, absl::StrCat("bad quantity '", form["quantity"], "'\n"));
    }
    session.cart[form["product_id"]] += quantity;
    return Redirect("/cart");
  }
  if (get && path == "/cart") {
    std::string body = "<h1>Cart</h1><ul>";
    for (const auto& [product, quantity] : session.cart) {
      absl::StrAppend(&body, "<li>", product, " x ", quantity, "</li>");
    }
    return Page(200, body + "</ul>\n");
  }
  if (post && path == "/cart/checkout") {
    std::map<std::string, std::string> form = ParseForm(request.body);
    for (absl::string_view field : kCheckoutFields) {
      if (form[std::string(field)].empty()) {
        return Page(400, absl::StrCat("missing field '", field, "'\n"));
      }
    }
    if (session.cart.empty()) return Page(422, "your cart is empty\n");
    session.cart.clear();
    ++orders_;
    return Page(200, absl::StrCat("<h1>Order ", orders_, " placed</h1>\n"));
  }
  return Page(404, absl::StrCat("no page ", request.method, " ", request.target, "\n"));
}

int64_t DemoShop::orders() const {
  std::lock_guard<std::mutex> lock(mu_);
  return orders_;
}

int64_t DemoShop::injected_errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return injected_errors_;
}

size_t DemoShop::sessions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

}  // namespace hipster_shop
