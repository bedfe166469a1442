// Goal files (goal/goal_file.hpp): the round trip and every refusal, each naming the file and the field.
#include <doctest/doctest.h>

#include <infomorph/goal/goal_file.hpp>
#include <infomorph/infomorph.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

using namespace infomorph;
using json = nlohmann::ordered_json;

namespace {

std::filesystem::path temp_file(const std::string& name) { return std::filesystem::temp_directory_path() / ("infomorph_goal_" + name); }

json valid_three_sources() {
    std::vector<double> gamma(19);
    for (std::size_t i = 0; i < gamma.size(); ++i) gamma[i] = 0.1 * static_cast<double>(i) - 0.9;
    return {{"format", "infomorph-goal"}, {"version", 1}, {"sources", 3}, {"order", "authors"}, {"kind", "context_lateral"},
            {"atoms", goal_file_atom_names(3)}, {"gamma", gamma}, {"source", {{"study", "s"}}}};
}

std::string refusal_text(const std::string& text) {
    const auto path = temp_file("refusal.json");
    std::ofstream(path) << text;
    try {
        read_goal_file(path);
    } catch (const error& e) {
        std::filesystem::remove(path);
        return e.what();
    }
    std::filesystem::remove(path);
    return "accepted";
}

std::string refusal(const json& j) { return refusal_text(j.dump()); }

}  // namespace

TEST_CASE("goal file atom names follow the authors' order, H_res last") {
    const auto three = goal_file_atom_names(3);
    REQUIRE(three.size() == 19);
    // The authors' sweep config (optuna_sweep.yaml) lists {1}{2}{3}, {1}{2}, ... {1,2,3}, then h_res.
    CHECK(three.front() == "{1}{2}{3}");
    CHECK(three[1] == "{1}{2}");
    CHECK(three[4] == "{1}{2,3}");
    CHECK(three[17] == "{1,2,3}");
    CHECK(three.back() == "H_res");
    const auto two = goal_file_atom_names(2);
    CHECK(two == std::vector<std::string>{"{1}", "{2}", "{1}{2}", "{1,2}", "H_res"});
}

TEST_CASE("goal files round-trip the optimised preset and a 2-source goal") {
    const auto path = temp_file("roundtrip.json");
    const dynamic_goal tpe = preset<3>("opt_1_100_tpe");
    write_goal_file(path, tpe, "context_lateral", {{"study", "paper"}, {"trial", 7}});
    const auto back = read_goal_file(path);
    CHECK(back.sources() == 3);
    CHECK(back.to_authors_order() == tpe.to_authors_order());  // bit for bit: JSON numbers round-trip doubles
    std::ifstream in(path);
    const auto j = json::parse(in);
    CHECK(j["source"]["trial"] == 7);
    CHECK(j["kind"] == "context_lateral");
    CHECK(j["gamma"][0] == 0.3307283306516516);  // the authors' first value: their order on disk

    const dynamic_goal two{0.1, 0.2, 1.0, -0.5, 0.0};
    write_goal_file(path, two, "context");
    CHECK(read_goal_file(path).to_authors_order() == two.to_authors_order());
    std::filesystem::remove(path);
    CHECK_THROWS_WITH_AS(write_goal_file(path, dynamic_goal{}, "context"), (path.string() + ": cannot write an empty goal").c_str(),
                         error);
}

TEST_CASE("goal files: every refusal names the file and the field") {
    const std::string file = temp_file("refusal.json").string();
    CHECK(refusal(valid_three_sources()) == "accepted");
    CHECK(refusal_text("{").find(file + ": not valid JSON") == 0);
    CHECK(refusal_text("[1, 2]") == file + ": expected a JSON object (an infomorph goal file)");
    CHECK_THROWS_WITH_AS(read_goal_file("/nonexistent/goal.json"), "/nonexistent/goal.json: cannot open", error);

    for (const char* field : {"format", "version", "sources", "order", "atoms", "gamma"}) {
        auto j = valid_three_sources();
        j.erase(field);
        CAPTURE(field);
        CHECK(refusal(j) == file + ": field '" + field + "' is missing");
    }
    auto j = valid_three_sources();
    j["format"] = "yaml";
    CHECK(refusal(j) == file + ": field 'format' is \"yaml\", expected \"infomorph-goal\"");
    j = valid_three_sources();
    j["version"] = 2;
    CHECK(refusal(j) == file + ": field 'version' is 2, this program reads version 1");
    j = valid_three_sources();
    j["order"] = "canonical";
    CHECK(refusal(j) == file + ": field 'order' is \"canonical\", expected \"authors\"");
    j = valid_three_sources();
    j["sources"] = 4;
    CHECK(refusal(j) == file + ": field 'sources' is 4, expected 2 or 3");
    j = valid_three_sources();
    j["kind"] = 3;
    CHECK(refusal(j) == file + ": field 'kind' must be a string");
    j = valid_three_sources();
    j["source"] = "me";
    CHECK(refusal(j) == file + ": field 'source' must be an object");

    // The names must be the authors' order for that number of sources, complete.
    j = valid_three_sources();
    j["sources"] = 2;
    CHECK(refusal(j) == file + ": field 'atoms' must list 5 names for 2 sources");
    j = valid_three_sources();
    std::swap(j["atoms"][1], j["atoms"][2]);
    CHECK(refusal(j) == file + ": field 'atoms'[1] is \"{1}{3}\", expected \"{1}{2}\" (the authors' order)");
    j = valid_three_sources();
    j["atoms"][18] = "h_res";
    CHECK(refusal(j) == file + ": field 'atoms'[18] is \"h_res\", expected \"H_res\" (the authors' order)");

    // The values: the right length, numbers, finite.
    j = valid_three_sources();
    j["gamma"].erase(18);
    CHECK(refusal(j) == file + ": field 'gamma' must hold 19 numbers");
    j = valid_three_sources();
    j["gamma"] = "0.5";
    CHECK(refusal(j) == file + ": field 'gamma' must hold 19 numbers");
    j = valid_three_sources();
    j["gamma"][3] = "0.5";
    CHECK(refusal(j) == file + ": field 'gamma'[3] ({2}{3}) must be a finite number");
    j = valid_three_sources();
    j["gamma"][18] = nullptr;
    CHECK(refusal(j) == file + ": field 'gamma'[18] (H_res) must be a finite number");
    auto text = valid_three_sources().dump();
    const auto at = text.find("\"gamma\":[") + 9;
    text.replace(at, text.find(',', at) - at, "1e999");  // too large for a double
    CHECK(refusal_text(text).find(file + ": not valid JSON ([json.exception.out_of_range.406] number overflow") == 0);
}
